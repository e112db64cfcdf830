"""Atomic writes leave either the old file or the new one, and no temporary files."""

from __future__ import annotations

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
    killed = [tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part.npz", dir=tmp_path)[1] for path in (dest, neighbour)]
    write_npz(dest, {"frames": np.zeros((2, 3), np.uint8)})
    assert sorted(p.name for p in tmp_path.iterdir()) == [killed[1].rsplit("/", 1)[1], "18-AB.npz"], \
        "only the leftover of the file written goes (another file's may be in flight)"
