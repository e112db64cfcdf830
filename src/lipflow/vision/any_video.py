"""One video of any container and frame rate -> mouth crops, exactly as the pipeline makes them.

It runs the fps stage's conversion (:func:`lipflow.media.convert_fps`) and the mouth stage's
extraction (:func:`lipflow.vision.mouths.extract`) with the project's parameters, so
``lipflow predict`` and ``lipflow speak`` see what evaluation saw.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import media
from ..errors import StageError
from .mouths import Mouths, extract


def mouths_of(video: Path, params: dict) -> Mouths:
    """Raises :class:`StageError` with a one-line reason (no such file, no video, no face)."""
    video = Path(video)
    if not video.is_file():
        raise StageError(f"{video}: no such file")
    with tempfile.TemporaryDirectory(prefix="lipflow-video-") as folder:
        converted = Path(folder) / "video.mp4"
        media.convert_fps(video, converted, **params["fps"])
        return extract(converted, params["landmarks"], params["mouth"])
