"""Snakemake and DVC run the same stages on a small dataset, rerun only what changed, and
DVC experiments compare alignments through `dvc metrics diff`."""

from __future__ import annotations

import filecmp
import json
import re
import shutil

import numpy as np
import pytest

from tests.conftest import grid_clip

pytestmark = pytest.mark.slow
DATA_RULES = ("fps", "align")
PREPARE = "prepare"  # the Snakemake target and the DVC stage that end data preparation
MOUTHS = "reports/manifests/mouth.tsv"
REPORT_STAGE = "alignment_report"


def planned_jobs(project, target: str = PREPARE) -> dict[str, int]:
    """Jobs a Snakemake dry run would run, by rule (its 'Job stats' table)."""
    output = project.run("snakemake", "--dry-run", "--cores", "2", target).stdout
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:")[1].split("\n\n")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}


def outputs(root) -> list:
    """The data files, less the shard lists only Snakemake's jobs leave."""
    return sorted(p.relative_to(root) for p in (root / "data").rglob("*")
                  if p.is_file() and p.name != ".gitignore" and "shards" not in p.parts)


def test_snakemake_and_dvc_produce_the_same_files(grid_project, tmp_path):
    root = grid_project.root
    grid_project.run("snakemake", "--cores", "2", PREPARE)
    made_by_snakemake = tmp_path / "snakemake"
    shutil.copytree(root / "data", made_by_snakemake / "data")
    shutil.copytree(root / "reports", made_by_snakemake / "reports")
    shutil.rmtree(root / "data")
    shutil.rmtree(root / "reports")

    grid_project.run("git", "init", "-q")
    grid_project.run("dvc", "init", "-q")
    grid_project.run("dvc", "repro", REPORT_STAGE)
    files = outputs(root)
    assert files == outputs(made_by_snakemake)
    assert any(str(f).endswith(".align") for f in files) and any(str(f).endswith(".mp4") for f in files)
    differing = [f for f in files if not f.name.endswith(".record.json")
                 and not filecmp.cmp(root / f, made_by_snakemake / f, shallow=False)]
    assert differing == []
    for manifest in DATA_RULES:
        path = f"reports/manifests/{manifest}.tsv"
        assert (root / path).read_text() == (made_by_snakemake / path).read_text()


def test_snakemake_reruns_only_what_a_change_touches(grid_project):
    grid_project.set_params(**{"shards.count": 4})
    grid_project.run("snakemake", "--cores", "2", PREPARE)
    assert planned_jobs(grid_project) == {}
    shards = len(list((grid_project.root / "data/shards/fps").glob("*.tsv")))

    grid_project.set_params(**{"align.boundary_value": 40})
    jobs = planned_jobs(grid_project)
    assert jobs.get("align") == shards and "fps" not in jobs
    grid_project.run("snakemake", "--cores", "2", PREPARE)

    records = {p: p.stat().st_mtime_ns for p in (grid_project.root / "data/fps").rglob("*.record.json")}
    grid_project.add_clip("s2/pwij3p-GR", grid_clip("pwij3p"))
    jobs = planned_jobs(grid_project)
    assert {rule: jobs.get(rule) for rule in DATA_RULES} == {rule: 1 for rule in DATA_RULES}
    grid_project.run("snakemake", "--cores", "2", PREPARE)
    assert {p: p.stat().st_mtime_ns for p in records} == records, "a finished clip was redone"


def test_a_crop_setting_reruns_no_landmark_detection(grid_project):
    grid_project.run("snakemake", "--cores", "2", MOUTHS)
    landmarks = {p: p.read_bytes() for p in (grid_project.root / "data/landmarks").rglob("*.npz")}
    assert len(landmarks) == 2
    for change in ({"mouth.width": 60, "mouth.height": 30}, {"mouth.frames": 50, "mouth.margin": 0.4}):
        grid_project.set_params(**change)
        jobs = planned_jobs(grid_project, MOUTHS)
        assert jobs.get("mouth") and "landmarks" not in jobs and "fps" not in jobs, (change, jobs)
        grid_project.run("snakemake", "--cores", "2", MOUTHS)
    assert {p: p.read_bytes() for p in landmarks} == landmarks
    crops = [np.load(p)["frames"].shape for p in (grid_project.root / "data/mouth").rglob("*.npz")]
    assert crops == [(50, 30, 60, 3)] * 2
    grid_project.set_params(**{"landmarks.redetect_interval": 10})
    assert {"landmarks", "mouth"} <= set(planned_jobs(grid_project, MOUTHS))


def test_dvc_experiments_and_metrics_diff(grid_project):
    run = grid_project.run
    run("git", "init", "-q")
    run("git", "config", "user.email", "test@lipflow")
    run("git", "config", "user.name", "lipflow test")
    run("dvc", "init", "-q")
    run("dvc", "repro", REPORT_STAGE)
    run("git", "add", "-A")
    run("git", "commit", "-qm", "baseline")
    baseline = json.loads((grid_project.root / "reports/metrics/alignment.json").read_text())

    log = run("dvc", "exp", "run", REPORT_STAGE, "-S", "align.silence=fragments").stdout
    assert "'fps' didn't change" in log and "Running stage 'align'" in log
    diff = json.loads(run("dvc", "metrics", "diff", "--json").stdout)
    changed = diff["reports/metrics/alignment.json"]
    assert "mean_word_frames" in changed
    assert changed["mean_word_frames"]["old"] == baseline["mean_word_frames"]
    assert changed["mean_word_frames"]["new"] != baseline["mean_word_frames"]

    run("git", "checkout", "-q", "--", ".")
    run("dvc", "checkout", "-q", "--with-deps", REPORT_STAGE)
    run("dvc", "exp", "run", REPORT_STAGE, "--temp", "-n", "head-max", "-S", "align.detect_head_max=0.2")
    shown = json.loads(run("dvc", "exp", "show", "--json").stdout)
    text = json.dumps(shown)
    assert "head-max" in text and "mean_word_frames" in text
    diff = json.loads(run("dvc", "metrics", "diff", "HEAD", "head-max", "--json").stdout)
    assert "reports/metrics/alignment.json" in diff
