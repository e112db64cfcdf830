"""dlib's 68 facial landmarks on every frame, tracking instead of re-detecting.

The dlib face detector is the slow part (about 8x the 68-point predictor), so it runs only
on key frames and when tracking is lost; in between, the predictor reuses the detector box
moved along with the previous frame's landmarks. Tracking counts as lost when the face
patch no longer correlates with the previous frame's (a cut, a blank frame, fast motion).
Frames without a face are interpolated from their neighbours over short gaps; longer gaps
fail the clip with the frame numbers.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import cv2
import dlib
import numpy as np

from ..errors import StageError
from ..mouthfile import LANDMARKS

PREDICTOR_PACKAGE = "face_recognition_models"
PREDICTOR_FILE = "models/shape_predictor_68_face_landmarks.dat"
TRACK_PATCH = 32
"""Side of the grey patch compared between frames to decide whether tracking still holds."""


TRACKING_DETAILS = ("detector_calls", "tracking_losses", "frames_with_face", "faces_most")


def predictor_path() -> Path:
    """The 68-point model shipped by face-recognition-models, found without importing it.

    Its ``__init__`` imports ``pkg_resources``, which current setuptools no longer has.
    """
    spec = importlib.util.find_spec(PREDICTOR_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / PREDICTOR_FILE
        if path.is_file():
            return path
    raise StageError(
        f"dlib landmark model {PREDICTOR_FILE} not found: install face-recognition-models "
        "(requirements/base.txt)"
    )


@functools.lru_cache(maxsize=1)
def models() -> tuple:
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(predictor_path()))


def measure(frames: list[np.ndarray], settings: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """Landmarks of every frame (BGR) of a video: what the landmarks stage stores."""
    return track_landmarks([cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in frames], settings)


def track_landmarks(greys: list[np.ndarray], settings: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """68 landmarks per frame (zeros where no face), which frames have them, and detector use
    (``TRACKING_DETAILS``; ``faces_most``: the most faces a whole-frame detection saw, so a
    recording with someone else in view is flagged, not silently cropped from the largest)."""
    detector, predictor = models()
    landmarks = np.zeros((len(greys), LANDMARKS, 2), np.float64)
    found = np.zeros(len(greys), bool)
    box, geometry, patch, since_detection = None, None, None, 0
    calls = losses = faces_most = 0
    for index, image in enumerate(greys):
        detected = False
        if box is not None and since_detection < settings["redetect_interval"]:
            if _similarity(_patch(image, box), patch) < settings["track_min_similarity"]:
                losses += 1
                box = None
        elif box is not None:
            calls += 1
            box, _ = _detect(detector, image, settings["upsample"], box, settings["search_margin"])
            detected = box is not None
        if box is None:
            calls += 1
            box, faces = _detect(detector, image, settings["upsample"])
            faces_most = max(faces_most, faces)
            if box is None:
                patch = None
                continue
            detected = True
        points = np.array([(p.x, p.y) for p in predictor(image, box).parts()], np.float64)
        landmarks[index], found[index] = points, True
        if detected:
            geometry, since_detection = _box_geometry(box, points), 0
        patch = _patch(image, box)
        box = _box_from(points, geometry)
        since_detection += 1
    return landmarks, found, dict(zip(TRACKING_DETAILS, (calls, losses, int(found.sum()), faces_most), strict=True))


def _detect(detector, image: np.ndarray, upsample: int, near: dlib.rectangle | None = None, margin: float = 0.0):
    """The largest face, searched around ``near`` when given (cheaper), else in the whole frame,
    and how many faces the search found."""
    x0 = y0 = 0
    if near is not None:
        grow_x, grow_y = int(near.width() * margin), int(near.height() * margin)
        x0, y0 = max(near.left() - grow_x, 0), max(near.top() - grow_y, 0)
        image = np.ascontiguousarray(image[y0:near.bottom() + grow_y, x0:near.right() + grow_x])
        if 0 in image.shape:
            return None, 0
    faces = detector(image, upsample)
    if not faces:
        return None, 0
    face = max(faces, key=lambda r: r.area())
    return dlib.rectangle(face.left() + x0, face.top() + y0, face.right() + x0, face.bottom() + y0), len(faces)


def _spread(points: np.ndarray) -> tuple[np.ndarray, float]:
    centre = points.mean(axis=0)
    return centre, float(np.sqrt(((points - centre) ** 2).sum(axis=1).mean()))


def _box_geometry(box: dlib.rectangle, points: np.ndarray) -> tuple[float, float, float, float]:
    """The detector box relative to the landmarks (offset and size in units of their spread)."""
    centre, spread = _spread(points)
    box_centre = box.center()
    return ((box_centre.x - centre[0]) / spread, (box_centre.y - centre[1]) / spread,
            box.width() / spread, box.height() / spread)


def _box_from(points: np.ndarray, geometry: tuple[float, float, float, float]) -> dlib.rectangle:
    """A detector-like box for the next frame, placed on this frame's landmarks."""
    centre, spread = _spread(points)
    dx, dy, width, height = (value * spread for value in geometry)
    cx, cy = centre[0] + dx, centre[1] + dy
    return dlib.rectangle(round(cx - width / 2), round(cy - height / 2), round(cx + width / 2), round(cy + height / 2))


def _patch(image: np.ndarray, box: dlib.rectangle) -> np.ndarray | None:
    height, width = image.shape
    x0, y0 = max(box.left(), 0), max(box.top(), 0)
    x1, y1 = min(box.right(), width), min(box.bottom(), height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return cv2.resize(image[y0:y1, x0:x1], (TRACK_PATCH, TRACK_PATCH), interpolation=cv2.INTER_AREA).astype(np.float32)


def _similarity(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Normalised cross-correlation of two patches; 0 for a missing or flat patch."""
    if a is None or b is None:
        return 0.0
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm else 0.0


def fill_gaps(landmarks: np.ndarray, found: np.ndarray, kept: list[int], max_gap: int) -> tuple[np.ndarray, list[int]]:
    """Interpolate runs of face-less frames up to ``max_gap`` long; longer runs fail the clip."""
    if not found.any():
        raise StageError(f"no face in any of the {len(found)} frames ({kept[0]}-{kept[-1]})")
    runs = _missing_runs(found)
    too_long = [(a, b) for a, b in runs if b - a + 1 > max_gap]
    if too_long:
        spans = ", ".join(f"{kept[a]}-{kept[b]}" if b > a else f"{kept[a]}" for a, b in too_long)
        raise StageError(f"no face in frames {spans}: longer than mouth.max_gap = {max_gap} frames")
    filled = landmarks.copy()
    have = np.flatnonzero(found)
    for point in range(LANDMARKS):
        for axis in range(2):
            filled[~found, point, axis] = np.interp(np.flatnonzero(~found), have, landmarks[have, point, axis])
    return filled, [kept[i] for i in np.flatnonzero(~found)]


def _missing_runs(found: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for index, present in enumerate([*found, True]):
        if not present and start is None:
            start = index
        elif present and start is not None:
            runs.append((start, index - 1))
            start = None
    return runs
