"""The landmark file of a clip (``data/landmarks/<key>.npz``): written by the landmarks stage,
read by the mouth stage, so a new crop size, margin or T reuses the detection.

``points`` is N x 68 x 2 float32 for every decoded frame (dlib's layout, source pixels; zeros
where no face was found), ``found`` N booleans.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .files import write_npz

POINTS, FOUND = "points", "found"


def write(dest: Path, points: np.ndarray, found: np.ndarray) -> None:
    write_npz(dest, {POINTS: points.astype(np.float32), FOUND: found.astype(bool)})


def read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The points (as float64, the precision the crops are computed in) and the found flags."""
    with np.load(path) as arrays:
        return arrays[POINTS].astype(np.float64), arrays[FOUND]
