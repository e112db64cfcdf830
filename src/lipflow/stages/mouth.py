"""Stage 5: the 25 fps video -> T mouth crops (T x H x W x C uint8) with their landmarks.

The dlib face detector is the slow part (about 8x the 68-point predictor), so it runs only
on key frames and when tracking is lost; in between, the predictor reuses the detector box
moved along with the previous frame's landmarks. Tracking counts as lost when the face
patch no longer correlates with the previous frame's (a cut, a blank frame, fast motion).
The crop is centred on the smoothed centroid of the mouth landmarks (48-67) and scaled from
the smoothed mouth width with a margin relative to that width, so neither the face's place
in the frame nor frame 0 decides the scale. Frames without a face are interpolated from
their neighbours over short gaps; longer gaps fail the clip with the frame numbers.
"""

from __future__ import annotations

import functools
import importlib.util
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import dlib
import numpy as np
from scipy.ndimage import uniform_filter1d

from ..datasets import Clip
from ..files import atomic_path
from ..layout import artefact, code_hash, stage_dir
from ..params import fingerprint
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, StageError, record_path, run_clip
from . import ClipStage, upstream
from . import fps as fps_stage

NAME = "mouth"
PREDICTOR_PACKAGE = "face_recognition_models"
PREDICTOR_FILE = "models/shape_predictor_68_face_landmarks.dat"
LANDMARKS = 68
MOUTH = slice(48, 68)
MOUTH_CORNERS = (48, 54)
# Per-frame mask codes stored in the crops file.
MEASURED, INTERPOLATED, PADDED = 0, 1, 2
# Side of the grey patch compared between frames to decide whether tracking still holds.
TRACK_PATCH = 32
# A fixed zip timestamp so the same crops give the same bytes (DVC, reruns).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def crops_path(clip_key: str) -> Path:
    return artefact(NAME, clip_key, ".npz")


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


def decode(video: Path) -> list[np.ndarray]:
    """Every frame of ``video`` as BGR uint8 arrays, decoded in-process."""
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


def extract(video: Path, settings: dict) -> Mouths:
    """The mouth crops of one video: what the stage stores and the benchmark times."""
    return extract_frames(decode(video), settings)


def extract_frames(frames: list[np.ndarray], settings: dict) -> Mouths:
    total = len(frames)
    if total < settings["min_frames"]:
        raise StageError(f"{total} frame(s), fewer than mouth.min_frames = {settings['min_frames']}")
    kept = kept_frames(total, settings["frames"], settings["trim"])
    greys = [cv2.cvtColor(frames[i], cv2.COLOR_BGR2GRAY) for i in kept]
    measured, found, tracking = track_landmarks(greys, settings)
    raw, interpolated = fill_gaps(measured, found, kept, settings["max_gap"])
    smooth = uniform_filter1d(raw, settings["smoothing_window"], axis=0, mode="nearest")
    corners = raw[:, MOUTH_CORNERS[1]] - raw[:, MOUTH_CORNERS[0]]
    widths = uniform_filter1d(np.hypot(corners[:, 0], corners[:, 1]), settings["scale_window"], mode="nearest")
    centres = smooth[:, MOUTH].mean(axis=1)
    crops, boxes = zip(*(crop(frames[i], c, w, settings) for i, c, w in zip(kept, centres, widths)))
    mask = np.where(found, MEASURED, INTERPOLATED).astype(np.uint8)
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
        **tracking,
    }
    return result


def kept_frames(total: int, length: int, trim: str) -> list[int]:
    """Indices of the frames that become crops: all of them, or ``length`` after trimming."""
    if total <= length:
        return list(range(total))
    start = (total - length) // 2 if trim == "centre" else 0
    return list(range(start, start + length))


def track_landmarks(greys: list[np.ndarray], settings: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    """68 landmarks per frame (zeros where no face), which frames have them, and detector use."""
    detector, predictor = models()
    landmarks = np.zeros((len(greys), LANDMARKS, 2), np.float64)
    found = np.zeros(len(greys), bool)
    box, geometry, patch, since_detection = None, None, None, 0
    calls = losses = 0
    for index, image in enumerate(greys):
        detected = False
        if box is not None and since_detection < settings["redetect_interval"]:
            if _similarity(_patch(image, box), patch) < settings["track_min_similarity"]:
                losses += 1
                box = None
        elif box is not None:
            calls += 1
            box = _detect(detector, image, settings["upsample"], box, settings["search_margin"])
            detected = box is not None
        if box is None:
            calls += 1
            box = _detect(detector, image, settings["upsample"])
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
    return landmarks, found, {"detector_calls": calls, "tracking_losses": losses, "frames_with_face": int(found.sum())}


def _detect(detector, image: np.ndarray, upsample: int, near: dlib.rectangle | None = None, margin: float = 0.0):
    """The largest face, searched around ``near`` when given (cheaper), else in the whole frame."""
    x0 = y0 = 0
    if near is not None:
        grow_x, grow_y = int(near.width() * margin), int(near.height() * margin)
        x0, y0 = max(near.left() - grow_x, 0), max(near.top() - grow_y, 0)
        image = np.ascontiguousarray(image[y0:near.bottom() + grow_y, x0:near.right() + grow_x])
        if 0 in image.shape:
            return None
    faces = detector(image, upsample)
    if not faces:
        return None
    face = max(faces, key=lambda r: r.area())
    return dlib.rectangle(face.left() + x0, face.top() + y0, face.right() + x0, face.bottom() + y0)


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


def write_npz(dest: Path, arrays: dict[str, np.ndarray]) -> None:
    """Compressed ``.npz`` with fixed timestamps, written atomically (same crops, same bytes)."""
    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            entry = zipfile.ZipInfo(f"{name}.npy", ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = project.params[NAME]
    dest = crops_path(clip.key)
    earlier = upstream(clip.key, fps_stage.NAME)

    def work() -> dict:
        dest.unlink(missing_ok=True)
        mouths = extract(fps_stage.video_path(clip.key), settings)
        write_npz(dest, mouths.arrays())
        return {"output": str(dest), "frames_in": earlier[0].details["frames"], **mouths.details}

    key = fingerprint(settings, [r.fingerprint for r in earlier], code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, earlier, force)


def contact_sheet(crops: dict[str, np.ndarray], columns: int) -> np.ndarray:
    """All crops in a grid, each labelled with its video frame number (i = interpolated, p = padded)."""
    frames, mask, numbers = crops["frames"], crops["mask"], crops["source_frames"]
    count, height, width, _ = frames.shape
    rows = -(-count // columns)
    sheet = np.zeros((rows * height, columns * width, 3), np.uint8)
    tags = {MEASURED: "", INTERPOLATED: "i", PADDED: "p"}
    for index, image in enumerate(frames):
        tile = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.shape[2] == 1 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        label = f"{numbers[index]}{tags[int(mask[index])]}"
        cv2.putText(tile, label, (2, height - 4), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 255, 255), 1, cv2.LINE_AA)
        row, column = divmod(index, columns)
        sheet[row * height:(row + 1) * height, column * width:(column + 1) * width] = tile
    return sheet


def write_preview(clip_key: str, dest: Path, columns: int) -> Path:
    """Contact sheet PNG of a clip's stored crops, for eyeballing them."""
    source = crops_path(clip_key)
    if not source.is_file():
        raise StageError(f"no crops for {clip_key} at {source}: run `lipflow mouth --clip {clip_key}` first")
    with np.load(source) as crops:
        sheet = contact_sheet(dict(crops), columns)
    with atomic_path(dest) as tmp:
        if not cv2.imwrite(str(tmp), sheet):
            raise StageError(f"could not write {dest}")
    return dest


STAGE = ClipStage(NAME, run)
