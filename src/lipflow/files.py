"""Atomic writes: a reader (or a resumed run) never sees half a file."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
TEMP_NAME_CHARS = 8  # the random part of a tempfile.mkstemp name
TEMPORARY_NAME = re.compile(rf"^\..+\.[a-z0-9_]{{{TEMP_NAME_CHARS}}}\.part(\.[^.]+)?$")


@contextlib.contextmanager
def atomic_path(dest: Path):
    """Yield a temporary path beside ``dest`` (same suffix) that replaces it on success. The
    temporary files of an earlier writer of ``dest`` that was killed (SIGKILL runs no cleanup)
    are removed first, so they do not pile up in an output folder DVC hashes."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = f".{dest.stem}.", f".part{dest.suffix}"
    for leftover in dest.parent.glob(glob.escape(prefix) + "?" * TEMP_NAME_CHARS + glob.escape(suffix)):
        leftover.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: give the mode any new file gets
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_temporary(path: Path) -> bool:
    """A file :func:`atomic_path` is still writing (or a killed writer left): never an input."""
    return bool(TEMPORARY_NAME.match(Path(path).name))


def write_text(dest: Path, text: str) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(dest: Path, data) -> None:
    write_text(dest, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def read_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def write_npz(dest: Path, arrays: dict[str, np.ndarray]) -> None:
    """A compressed ``.npz`` whose entries carry a fixed timestamp, so the same arrays give the
    same bytes (DVC hashes, byte-identical reruns); written atomically."""
    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)
