"""A full disk or a read-only output folder: a clear error, no half file, and a clean resume.

Real file systems: a tiny tmpfs mounted over the stage's output folder (root only; where mounting
is not allowed the tests skip with one line)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lipflow import cli, layout
from lipflow.records import Record
from tests.conftest import grid_clip

pytestmark = pytest.mark.slow


@pytest.fixture
def fps_mount(grid_project):
    """data/fps of the project on its own small tmpfs (remount it to change size or mode)."""
    folder = grid_project.root / layout.STAGE_DIRS["fps"]
    folder.mkdir(parents=True)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=150k", "tmpfs", str(folder)], capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {made.stderr.decode().strip()}")
    for speaker in ("s2", "s3"):
        grid_project.add_clip(f"{speaker}/lbax4n-GR", grid_clip("lbax4n"))
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def outputs(folder: Path) -> dict[str, str]:
    """Every file left in the stage folder: clip outputs, records (their status), temporary files."""
    return {path.relative_to(folder).as_posix(): Record.load(path).status if path.name.endswith(".record.json") else ""
            for path in folder.rglob("*") if path.is_file()}


def test_a_full_disk_stops_the_stage_with_a_clear_error_and_the_run_resumes_once_there_is_room(fps_mount, capsys):
    assert cli.main(["fps"]) == 1
    error = capsys.readouterr().err
    assert "lipflow fps: " in error and "No space left on device" in error and "run it again" in error
    left = outputs(fps_mount)
    assert not any(".part" in name for name in left), "no half file"
    failed = [Record.load(fps_mount / name).reason for name, status in left.items() if status == "failed"]
    assert not failed, f"no clip is failed for the machine's fault: {failed}"
    assert len([name for name in left if name.endswith(".mp4")]) < 4, "the disk did fill up"

    remount(fps_mount, "size=20m")
    assert cli.main(["fps"]) == 0
    assert "fps: 4 clips, 4 ok, 0 failed" in capsys.readouterr().out


def test_a_read_only_output_folder_stops_the_stage_before_any_clip_is_failed(fps_mount, capsys):
    remount(fps_mount, "ro")
    assert cli.main(["fps"]) == 1
    assert "Read-only file system" in capsys.readouterr().err
    assert outputs(fps_mount) == {}
    remount(fps_mount, "rw,size=20m")
    assert cli.main(["fps"]) == 0
    assert "fps: 4 clips, 4 ok, 0 failed" in capsys.readouterr().out
