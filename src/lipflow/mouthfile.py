"""The mouth-crop file of a clip (``data/mouth/<key>.npz``): written by the mouth stage,
read by training, evaluation and the previews.

A compressed ``.npz`` whose ``frames`` array is T x H x W x C uint8, beside the landmarks
(smoothed and raw), crop boxes, source frame numbers and per-frame mask, written by
:func:`lipflow.files.write_npz` (the same crops give the same bytes).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .files import write_npz

FRAMES = "frames"
MEASURED, INTERPOLATED, PADDED = 0, 1, 2
"""Per-frame codes of the ``mask`` array: landmarks measured, interpolated over a gap, or a padding frame."""
LANDMARKS = 68
"""The ``landmarks`` arrays are T x 68 x 2, in dlib's 68-point layout (0-based indices below)."""
MOUTH = slice(48, 68)
MOUTH_CORNERS = (48, 54)
INNER_LIP_TOP, INNER_LIP_BOTTOM = 62, 66
"""Middle of the inner upper and lower lip: their gap is the mouth's opening."""


def write(dest: Path, arrays: dict[str, np.ndarray]) -> None:
    write_npz(dest, arrays)


def frames_shape(path: Path, name: str = FRAMES, expected_dtype=np.uint8) -> tuple[int, ...]:
    """Shape of an ``.npz`` entry (the crops by default) from its header alone (nothing is decompressed)."""
    with zipfile.ZipFile(path) as archive, archive.open(f"{name}.npy") as member:
        version = np.lib.format.read_magic(member)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(member)
    if dtype != expected_dtype:
        raise ValueError(f"{name} are {dtype}, expected {np.dtype(expected_dtype)}")
    return shape


def video_span(path: Path) -> tuple[int, int]:
    """(first, one past the last) video frame the crops come from, padding left out."""
    with np.load(path) as arrays:
        sources = arrays["source_frames"][arrays["mask"] != PADDED]
    return int(sources.min()), int(sources.max()) + 1


def read_frames(path: Path, name: str = FRAMES) -> np.ndarray:
    with np.load(path) as arrays:
        return arrays[name]


def read_all(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as arrays:
        return dict(arrays)
