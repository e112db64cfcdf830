"""A video's frames and their landmarks -> T fixed-size mouth crops (T x H x W x C uint8).

The crop is centred on the smoothed centroid of the mouth landmarks (48-67) and scaled from
the smoothed mouth width with a margin relative to that width, so neither the face's place
in the frame nor frame 0 decides the scale. Clips longer than T are trimmed, shorter ones
padded, by the rule the parameters name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..errors import StageError
from ..mouthfile import INTERPOLATED, MEASURED, MOUTH, MOUTH_CORNERS, PADDED
from .landmarks import fill_gaps, measure
from .video import decode


@dataclass
class Mouths:
    frames: np.ndarray          # T x H x W x C uint8 (RGB, or grey when C = 1)
    landmarks: np.ndarray       # T x 68 x 2 float32, smoothed, source-frame pixels
    landmarks_raw: np.ndarray   # T x 68 x 2 float32, as measured or interpolated
    mask: np.ndarray            # T uint8: MEASURED, INTERPOLATED or PADDED
    boxes: np.ndarray           # T x 4 float32: x0, y0, x1, y1 of the cropped region
    source_frames: np.ndarray   # T int32: the video frame each crop comes from
    details: dict = field(default_factory=dict)

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, np.ndarray)}


def extract(video: Path, landmark_settings: dict, settings: dict) -> Mouths:
    """Landmarks and crops of one video in one go: what prediction and the benchmark run."""
    frames = decode(video)
    points, found, tracking = measure(frames, landmark_settings)
    return crop_frames(frames, points, found, settings, tracking)


def crop_frames(frames: list[np.ndarray], points: np.ndarray, found: np.ndarray, settings: dict,
                tracking: dict | None = None) -> Mouths:
    """The crops of the frames ``settings`` keeps, from the landmarks measured on every frame."""
    total = len(frames)
    if total < settings["min_frames"]:
        raise StageError(f"{total} frame(s), fewer than mouth.min_frames = {settings['min_frames']}")
    if len(points) != total:
        raise StageError(f"{len(points)} landmark frames for a video of {total} frames: rerun lipflow landmarks")
    kept = kept_frames(total, settings["frames"], settings["trim"])
    raw, interpolated = fill_gaps(points[kept], found[kept], kept, settings["max_gap"])
    smooth = moving_average(raw, settings["smoothing_window"])
    corners = raw[:, MOUTH_CORNERS[1]] - raw[:, MOUTH_CORNERS[0]]
    widths = moving_average(np.hypot(corners[:, 0], corners[:, 1]), settings["scale_window"])
    centres = smooth[:, MOUTH].mean(axis=1)
    crops, boxes = zip(*(crop(frames[i], c, w, settings) for i, c, w in zip(kept, centres, widths, strict=True)),
                       strict=True)
    mask = np.where(found[kept], MEASURED, INTERPOLATED).astype(np.uint8)
    padded = settings["frames"] - len(kept)
    result = Mouths(
        np.stack(crops), smooth.astype(np.float32), raw.astype(np.float32), mask,
        np.array(boxes, np.float32), np.array(kept, np.int32),
    )
    result = pad(result, padded, settings["pad"])
    result.details = {
        "frames_decoded": total,
        "frames_out": settings["frames"],
        "trimmed": total - len(kept),
        "padded": padded,
        "length_rule": f"shorter: pad {settings['pad']}; longer: trim {settings['trim']}",
        "interpolated": len(interpolated),
        "interpolated_frames": interpolated,
        "grey_source": bool(np.ptp(frames[kept[0]], axis=2).max() == 0),
        "mouth_width_px": round(float(np.median(widths)), 2),
        **(tracking or {}),
    }
    if result.details.get("faces_most", 1) > 1:
        result.details["warning"] = f"{result.details['faces_most']} faces in view: the largest one was cropped"
    return result


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along axis 0, edges repeated: ``scipy.ndimage.uniform_filter1d``
    with ``mode="nearest"``, bit for bit (the same running sum), without the 0.37 s CPU that
    importing ``scipy.ndimage`` costs every mouth job (tests/vision/test_mouths.py compares them)."""
    before = window // 2
    padded = np.concatenate([np.repeat(values[:1], before, axis=0), values,
                             np.repeat(values[-1:], window - before - 1, axis=0)])
    total = padded[0].copy()
    for index in range(1, window):
        total += padded[index]
    averages = np.empty_like(values)
    averages[0] = total / window
    for index in range(1, len(values)):
        total += padded[index + window - 1] - padded[index - 1]
        averages[index] = total / window
    return averages


def kept_frames(total: int, length: int, trim: str) -> list[int]:
    """Indices of the frames that become crops: all of them, or ``length`` after trimming."""
    if total <= length:
        return list(range(total))
    start = (total - length) // 2 if trim == "centre" else 0
    return list(range(start, start + length))


def crop(frame: np.ndarray, centre: np.ndarray, mouth_width: float, settings: dict) -> tuple[np.ndarray, tuple]:
    """The region of ``(1 + 2 margin)`` mouth widths around ``centre``, resized to the crop size.

    Parts of the region outside the frame repeat the border pixels, so a crop always has
    the target shape.
    """
    width, height = settings["width"], settings["height"]
    region_w = max(round(mouth_width * (1 + 2 * settings["margin"])), 2)
    region_h = max(round(region_w * height / width), 2)
    cx, cy = float(centre[0]), float(centre[1])
    region = cv2.getRectSubPix(frame, (region_w, region_h), (cx, cy))
    shrink = region_w > width
    image = cv2.resize(region, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    if settings["channels"] == 1:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[..., None]
    else:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    box = (cx - region_w / 2, cy - region_h / 2, cx + region_w / 2, cy + region_h / 2)
    return image, box


def pad(mouths: Mouths, count: int, rule: str) -> Mouths:
    """Add ``count`` frames at the end: the last frame repeated, or black crops (``zeros``)."""
    if count <= 0:
        return mouths
    arrays = {}
    for name, array in mouths.arrays().items():
        tail = np.repeat(array[-1:], count, axis=0)
        if name == "frames" and rule == "zeros":
            tail = np.zeros_like(tail)
        arrays[name] = np.concatenate([array, tail])
    arrays["mask"][-count:] = PADDED
    return Mouths(**arrays)
