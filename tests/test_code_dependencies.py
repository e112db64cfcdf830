"""A stage's code dependencies are what it really imports: editing a module a stage reaches
only through other modules reruns it in both engines and makes its per-clip records stale;
editing a module it does not reach leaves it alone.

Everything here drives the engines and the CLI on a throw-away copy of the repository (its
own ``src/`` first on the path), so it runs unchanged against any version of lipflow.
"""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.slow
MOUTH_MANIFEST = "reports/manifests/mouth.tsv"
REACHED_INDIRECTLY = "src/lipflow/grid.py"
"""The mouth stage reads clip names through the dataset discovery, which parses GRID names."""
NOT_REACHED = "src/lipflow/models/lipnet.py"
"""The network: nothing the mouth stage computes depends on it."""


@pytest.fixture
def copy_first(grid_project, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(grid_project.root / "src"))
    run = grid_project.run
    run("git", "init", "-q")
    run("dvc", "init", "-q")
    run("snakemake", "--cores", "2", MOUTH_MANIFEST)
    run("dvc", "repro", "mouth")
    assert "mouth:" not in run("dvc", "status", "mouth").stdout
    return grid_project


def mouth_fingerprints(project) -> dict[str, str]:
    return {path.relative_to(project.root).as_posix(): json.loads(path.read_text())["fingerprint"]
            for path in sorted((project.root / "data" / "mouth").rglob("*.record.json"))}


def edit(project, relative: str) -> None:
    path = project.root / relative
    path.write_text(path.read_text() + "\n# an edit that a code dependency must notice\n")


def planned_mouth_jobs(project) -> str:
    """The dry run with each job's reasons (the project's default profile keeps them quiet)."""
    return project.run("snakemake", "--dry-run", "--workflow-profile", "none", "--cores", "2", MOUTH_MANIFEST).stdout


def test_editing_a_module_reruns_the_stage_only_when_the_stage_reaches_it(copy_first):
    """One project for both edits (its data stages are the slow part): first the module the stage
    does not reach, then the one it reaches only through other modules."""
    project = copy_first
    before = mouth_fingerprints(project)
    assert before and "Nothing to be done" in planned_mouth_jobs(project)

    edit(project, NOT_REACHED)
    assert "Nothing to be done" in planned_mouth_jobs(project)
    assert "mouth:" not in project.run("dvc", "status", "mouth").stdout
    project.run("lipflow", "mouth")
    assert mouth_fingerprints(project) == before

    edit(project, REACHED_INDIRECTLY)
    plan = planned_mouth_jobs(project)
    assert "rule mouth:" in plan
    assert os.path.basename(REACHED_INDIRECTLY) in plan.split("rule mouth:")[1].split("rule ")[0]
    status = project.run("dvc", "status", "mouth").stdout
    assert "mouth:" in status and REACHED_INDIRECTLY in status
    project.run("lipflow", "mouth")
    after = mouth_fingerprints(project)
    assert after.keys() == before.keys()
    assert all(after[key] != before[key] for key in before)
