"""Video frames decoded in-process with OpenCV."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import StageError


def decode(video: Path) -> list[np.ndarray]:
    """Every frame of ``video`` as BGR uint8 arrays (grey sources converted to BGR)."""
    capture = cv2.VideoCapture(str(video))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    finally:
        capture.release()
    if not frames:
        raise StageError(f"no video frames could be decoded from {video}")
    return frames
