"""A shared DVC remote, as a lab uses one: a real S3-compatible server (moto) on loopback through
dvc-s3, and a bare Git repository as the shared Git remote. Push from one checkout, wipe, pull;
an experiment travels to another clone with `dvc exp push` / `dvc exp pull`."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from lipflow import layout
from lipflow.files import file_hash

pytestmark = pytest.mark.slow
BUCKET = "lipflow-remote"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
DATA_STAGES = ("fps", "align", "landmarks", "mouth", "split")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_endpoint(monkeypatch):
    """moto's S3 server on a free loopback port with an empty bucket; its URL."""
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "moto_server did not start"
            time.sleep(0.2)
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
    yield url
    server.terminate()
    server.wait(timeout=30)


def tracked_files(root: Path) -> dict[str, str]:
    """Every file of the data stages' outputs, with its content hash."""
    return {path.relative_to(root).as_posix(): file_hash(path)
            for stage in DATA_STAGES for path in sorted((root / layout.stage_dir(stage)).rglob("*"))
            if path.is_file() and path.name != ".gitignore"}  # .gitignore: Git's file, written by DVC


def test_push_wipe_pull_leaves_nothing_to_do_and_an_experiment_travels_to_another_clone(grid_project, s3_endpoint,
                                                                                        tmp_path):
    root = grid_project.root
    grid_project.set_params(**{"split.val_fraction": 0.5, "split.test_fraction": 0.0})

    def run(*args: str, cwd: Path = root) -> str:
        result = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout + result.stderr

    origin = tmp_path / "origin.git"
    run("git", "init", "-q", "--bare", str(origin), cwd=tmp_path)
    run("git", "init", "-q")
    run("git", "config", "user.email", "test@lipflow")
    run("git", "config", "user.name", "lipflow test")
    run("dvc", "init", "-q")
    run("dvc", "remote", "add", "-d", "shared", f"s3://{BUCKET}/cache")
    run("dvc", "remote", "modify", "shared", "endpointurl", s3_endpoint)
    run("git", "add", "-A")
    run("git", "commit", "-qm", "project")
    run("dvc", "repro", "split")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "data stages")
    run("git", "remote", "add", "origin", str(origin))
    run("git", "push", "-q", "origin", "HEAD:main")
    run("dvc", "push", "--with-deps", "split")
    made = tracked_files(root)
    assert any(name.endswith(".npz") for name in made) and layout.SPLIT_TABLE.as_posix() in made

    for stage in DATA_STAGES:
        shutil.rmtree(root / layout.stage_dir(stage))
    shutil.rmtree(root / ".dvc" / "cache")
    run("dvc", "pull", "--with-deps", "split")
    assert tracked_files(root) == made, "every output back, byte for byte"
    assert "Data and pipelines are up to date" in run("dvc", "repro", "split")

    run("dvc", "exp", "run", "-q", "-n", "wider-crop", "-S", "mouth.margin=0.6", "split")
    run("dvc", "exp", "push", "origin", "wider-crop")
    other = tmp_path / "other"
    run("git", "clone", "-q", "-b", "main", str(origin), str(other), cwd=tmp_path)
    run("dvc", "exp", "pull", "origin", "wider-crop", cwd=other)
    shown = json.loads(subprocess.run(["dvc", "exp", "show", "--json"], cwd=other, capture_output=True, text=True,
                                      check=True).stdout)
    names = [experiment.get("name") for commit in shown for experiment in commit.get("experiments") or []]
    assert "wider-crop" in names, names
    run("dvc", "exp", "branch", "wider-crop", "wider-crop", cwd=other)
    run("git", "checkout", "-q", "wider-crop", cwd=other)
    assert "margin: 0.6" in (other / "params.yaml").read_text()
    run("dvc", "checkout", "--with-deps", "split", cwd=other)
    assert "Data and pipelines are up to date" in run("dvc", "status", "split", cwd=other), \
        "the experiment's outputs came from the remote, as its lock says"
    wider = tracked_files(other)
    assert wider.keys() == made.keys() and any(wider[name] != made[name] for name in made if name.endswith(".npz"))
