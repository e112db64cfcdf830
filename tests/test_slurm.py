"""The SLURM profile on a real single-node cluster (scripts/slurm_local.sh: munge, MariaDB,
slurmdbd, slurmctld, slurmd on localhost): the data stages go through the scheduler, as sacct
shows, and leave the same crops as a local run."""

from __future__ import annotations

import filecmp
import shutil
import subprocess

import pytest

from lipflow import layout
from tests.conftest import REPO, grid_clip

pytestmark = pytest.mark.slow
TARGET = str(layout.manifest("mouth"))
QUICK_POLLING = ("--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "1",
                 "--latency-wait", "5")
"""An idle one-node cluster answers at once; the profile's defaults suit a busy shared one."""


@pytest.fixture(scope="module")
def cluster():
    started = subprocess.run(["bash", str(REPO / "scripts/slurm_local.sh")], capture_output=True, text=True)
    if started.returncode:
        pytest.skip(f"no SLURM cluster here: {(started.stderr or started.stdout).strip().splitlines()[-1:]}")


def accounted_jobs() -> list[str]:
    """Job IDs (not steps) that SLURM's accounting holds, finished or not."""
    table = subprocess.run(["sacct", "-n", "-X", "-a", "-o", "JobID,State", "-S", "2000-01-01"], capture_output=True,
                           text=True, check=True).stdout
    return [line.split()[0] for line in table.splitlines() if line.strip()]


def test_the_data_stages_run_as_slurm_jobs_and_give_the_crops_of_a_local_run(cluster, grid_project, tmp_path):
    grid_project.add_clip("s2/lbax4n-GR", grid_clip("lbax4n"))
    local = tmp_path / "local"
    shutil.copytree(grid_project.root, local)
    before = set(accounted_jobs())

    on_cluster = grid_project.run("snakemake", "--profile", "profiles/slurm", *QUICK_POLLING, TARGET, check=False)
    assert on_cluster.returncode == 0, on_cluster.stdout[-3000:] + on_cluster.stderr[-3000:]
    submitted = set(accounted_jobs()) - before
    assert len(submitted) >= 3, f"fps, landmarks and mouth each a SLURM job: {submitted}"
    states = subprocess.run(["sacct", "-n", "-X", "-o", "State", "-j", ",".join(sorted(submitted))],
                            capture_output=True, text=True, check=True).stdout.split()
    assert set(states) == {"COMPLETED"}, states
    assert "submitted with SLURM jobid" in on_cluster.stdout + on_cluster.stderr

    subprocess.run(["snakemake", "--cores", "2", TARGET], cwd=local, capture_output=True, check=True)
    crops = sorted(p.relative_to(local) for p in (local / layout.stage_dir("mouth")).rglob("*.npz"))
    assert len(crops) == 3
    assert all(filecmp.cmp(local / path, grid_project.root / path, shallow=False) for path in crops)
