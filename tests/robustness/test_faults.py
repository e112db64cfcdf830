"""What a killed run leaves behind, and what two runs in one workspace do to each other."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from lipflow import layout

pytestmark = pytest.mark.slow
TARGET = str(layout.manifest("mouth"))
"""The data stages up to the mouth crops: enough to be killed in the middle of."""


def start(project, *args: str) -> subprocess.Popen:
    return subprocess.Popen(["snakemake", "--cores", "1", *args], cwd=project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def wait_for(condition, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the run never got that far")
        time.sleep(0.2)


def started(root) -> bool:
    """The run has made its first clip's 25 fps video: the data stages are under way."""
    return any((root / layout.STAGE_DIRS["fps"]).rglob("*.record.json"))


def test_a_snakemake_run_killed_mid_way_completes_after_unlock_and_rerun_incomplete(grid_project):
    root = grid_project.root
    first = start(grid_project, TARGET)
    wait_for(lambda: started(root) or first.poll() is not None)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not (root / TARGET).exists(), "killed before the end"

    grid_project.run("snakemake", "--unlock")
    rerun = grid_project.run("snakemake", "--cores", "1", "--rerun-incomplete", TARGET, check=False)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert (root / TARGET).is_file()
    for crops in (root / layout.STAGE_DIRS["mouth"]).rglob("*.npz"):
        with np.load(crops) as arrays:
            assert arrays["frames"].ndim == 4
    assert not list((root / layout.DATA).rglob(".*.part*")), "no temporary file of the killed run is left"
    assert grid_project.run("snakemake", "--cores", "1", "-n", TARGET).stdout.count("Nothing to be done") == 1


def test_a_second_snakemake_in_the_same_workspace_refuses_while_the_first_runs(grid_project):
    first = start(grid_project, TARGET)
    wait_for(lambda: started(grid_project.root) or first.poll() is not None)
    assert first.poll() is None, "the first run is still going"
    os.killpg(first.pid, signal.SIGSTOP)  # holds the first run, and its lock, for as long as the second one takes
    try:
        second = grid_project.run("snakemake", "--cores", "1", "--forcerun", "fps", TARGET, check=False)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    first_output, _ = first.communicate(timeout=900)
    assert second.returncode != 0 and "cannot be locked" in (second.stdout + second.stderr), second.stderr[-2000:]
    assert first.returncode == 0, first_output[-2000:]
    assert (grid_project.root / TARGET).is_file()


TINY_TRAINING = {
    "split.val_fraction": 0.5, "split.test_fraction": 0.0, "model.filters": [4, 8, 8], "model.gru_units": 16,
    "model.input_height": 16, "model.input_width": 32, "train.epochs": 6, "train.patience": 6,
    "train.batch_size": 1,
}


def checkpoints(root) -> list:
    return sorted((root / layout.model_dir("vanilla") / "checkpoints").glob("ckpt-*.index"))


def test_dvc_repro_killed_during_training_resumes_from_the_last_checkpoint(grid_project):
    grid_project.set_params(**TINY_TRAINING)
    root = grid_project.root
    grid_project.run("git", "init", "-q")
    grid_project.run("dvc", "init", "-q")
    grid_project.run("git", "add", "-A")  # dvclive cannot log in a repository without commits
    grid_project.run("git", "-c", "user.name=lipflow test", "-c", "user.email=test@lipflow", "commit", "-qm", "project")
    first = subprocess.Popen(["dvc", "repro", "train"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    wait_for(lambda: len(checkpoints(root)) >= 1 or first.poll() is not None, seconds=900)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not (root / layout.best_model("vanilla")).exists(), "killed before training ended"

    resumed = grid_project.run("dvc", "repro", "train", check=False)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert "resuming after epoch" in resumed.stdout + resumed.stderr
    history = (root / layout.train_reports("vanilla") / "history.tsv").read_text().splitlines()
    assert [int(line.split("\t")[0]) for line in history[1:]] == list(range(1, 7)), "every epoch once"
    assert (root / layout.best_model("vanilla")).is_file()
