"""Contact sheets: a clip's mouth crops in a grid, for eyeballing them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .. import layout, mouthfile
from ..errors import StageError
from ..files import atomic_path
from ..mouthfile import INTERPOLATED, MEASURED, PADDED


def contact_sheet(crops: dict[str, np.ndarray], columns: int) -> np.ndarray:
    """All crops in a grid, each labelled with its video frame number (i = interpolated, p = padded)."""
    frames, mask, numbers = crops["frames"], crops["mask"], crops["source_frames"]
    count, height, width, _ = frames.shape
    rows = -(-count // columns)
    sheet = np.zeros((rows * height, columns * width, 3), np.uint8)
    tags = {MEASURED: "", INTERPOLATED: "i", PADDED: "p"}
    for index, image in enumerate(frames):
        tile = (cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.shape[2] == 1
                else cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        label = f"{numbers[index]}{tags[int(mask[index])]}"
        cv2.putText(tile, label, (2, height - 4), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 255, 255), 1, cv2.LINE_AA)
        row, column = divmod(index, columns)
        sheet[row * height:(row + 1) * height, column * width:(column + 1) * width] = tile
    return sheet


def write_png(dest: Path, image: np.ndarray) -> Path:
    with atomic_path(dest) as tmp:
        if not cv2.imwrite(str(tmp), image):
            raise StageError(f"could not write {dest}")
    return dest


def preview(clip_key: str, dest: Path, columns: int) -> Path:
    """Contact sheet PNG of a clip's stored crops (``lipflow preview``)."""
    source = layout.artefact("mouth", clip_key)
    if not source.is_file():
        raise StageError(f"no crops for {clip_key} at {source}: run `lipflow mouth --clip {clip_key}` first")
    return write_png(dest, contact_sheet(mouthfile.read_all(source), columns))
