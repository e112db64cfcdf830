"""Atomic writes leave either the old file or the new one, and no temporary files."""

from __future__ import annotations

import os
import stat
import tempfile

import numpy as np
import pytest

from lipflow.files import atomic_path, write_npz, write_text


def test_a_failed_write_keeps_the_old_file_and_no_temporary_one(tmp_path):
    dest = tmp_path / "s1" / "18-AB.json"
    write_text(dest, "old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert dest.read_text() == "old" and sorted(p.name for p in dest.parent.iterdir()) == ["18-AB.json"]


def test_temporary_files_of_a_killed_writer_are_removed_by_the_next_write_of_that_file(tmp_path):
    dest, neighbour = tmp_path / "18-AB.npz", tmp_path / "18-AB.x.npz"
    killed = [tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part.npz", dir=tmp_path)[1]
              for path in (dest, neighbour)]
    write_npz(dest, {"frames": np.zeros((2, 3), np.uint8)})
    assert sorted(p.name for p in tmp_path.iterdir()) == [killed[1].rsplit("/", 1)[1], "18-AB.npz"], \
        "only the leftover of the file written goes (another file's may be in flight)"


def test_a_written_file_gets_the_mode_of_any_new_file_not_mkstemps_private_one(tmp_path):
    """Outputs shared on a cluster or through a DVC cache must be readable by the group."""
    previous = os.umask(0o022)
    try:
        write_text(tmp_path / "shared.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "shared.json").stat().st_mode) == 0o644
