"""Real face photos shipped with scikit-image, composed into a frame, with a drawn mouth.

The mouth is drawn where dlib's 68-point landmarks 48-67 find the photo's own mouth, so
the mouth-extraction stage, which crops around those landmarks, sees the drawn lips.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from skimage import data

from ..errors import LipflowError
from ..vision.landmarks import models
from .visemes import FIELDS

LFW_FACES = (
    1, 2, 3, 5, 6, 7, 8, 10, 14, 15, 18, 19, 20, 21, 22, 24, 25, 27, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 45, 46, 48, 49, 50, 51, 55, 57, 58, 60, 61, 62, 63, 65, 66, 71, 72, 73, 74, 75, 77, 78, 79,
    80, 84, 85, 86, 89, 90, 91, 92, 93, 94, 95, 97, 98, 99,
)
"""lfw_subset faces (of its first 100 images) that dlib's frontal detector finds with a score of
at least :data:`MIN_FACE_SCORE` whatever mouth is drawn, at 180, 200 and 215 px; 93 are found at
all, but the weak ones drop out of frames. ``tests/synth/test_face.py`` re-checks them."""
MIN_FACE_SCORE = 0.5
SCORE_FLOOR = -1.0
ASTRONAUT_FACE = (166, 70, 113)
"""x, y and side of the square around the face in skimage's astronaut (dlib box, 1.3x)."""
IDENTITIES = ("astronaut",) + tuple(f"lfw{i:02d}" for i in LFW_FACES)
MOUTH = slice(48, 68)
MOUTH_LEFT, MOUTH_RIGHT = 48, 54
NOSE_TIP, UPPER_LIP_TOP = 33, 51
SUPERSAMPLE = 3
FEATHER_PX = 9
LIP_CURVE_POINTS = 24
UPPER_LIP_THICKNESS, LOWER_LIP_THICKNESS = 0.13, 0.17   # fractions of the mouth width
CAVITY_BGR = (25, 18, 35)
TEETH_BGR = (225, 232, 238)
TONGUE_BGR = (120, 110, 200)
TEETH_HEIGHT = 0.09        # fraction of the mouth width
MOUTH_COVER_MARGIN = 1.45  # how far beyond the photo's own lips the skin patch reaches


class FaceError(LipflowError):
    """dlib finds no single face in a composed frame."""


@dataclass(frozen=True)
class Look:
    """How one speaker's photo sits in the frame."""

    identity: str
    face_size: int
    offset_x: int
    offset_y: int
    tint_bgr: tuple[float, float, float]
    light_gradient: float
    background_bgr: tuple[int, int, int]
    lip_bgr: tuple[int, int, int]


@dataclass(frozen=True)
class Mouth:
    """Where the photo's mouth is: centre (x, y), rest width in pixels, angle in radians."""

    centre: tuple[float, float]
    width: float
    angle: float


def detect_faces(frame: np.ndarray) -> list:
    detector, _ = models()
    return list(detector(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), 0))


def face_score(frame: np.ndarray) -> float:
    """The detector's best face score (its margin); -inf without any candidate."""
    detector, _ = models()
    _, scores, _ = detector.run(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), 0, SCORE_FLOOR)
    return max(scores, default=float("-inf"))


def portrait(identity: str) -> np.ndarray:
    """The identity's face as a square float BGR image in 0..1."""
    if identity == "astronaut":
        x, y, side = ASTRONAUT_FACE
        rgb = data.astronaut()[y:y + side, x:x + side].astype(np.float32) / 255
        return rgb[:, :, ::-1].copy()
    if identity.startswith("lfw") and int(identity[3:]) in LFW_FACES:
        gray = _lfw()[int(identity[3:])].astype(np.float32)
        return np.repeat(gray[:, :, None], 3, axis=2)
    raise FaceError(f"unknown face identity {identity!r}")


@lru_cache(maxsize=1)
def _lfw() -> np.ndarray:
    return data.lfw_subset()


def compose(look: Look, width: int, height: int) -> np.ndarray:
    """The still frame: background, the tinted and lit photo, soft edges; uint8 BGR."""
    ramp = np.linspace(0.85, 1.1, height, dtype=np.float32)[:, None, None]
    frame = np.broadcast_to(np.array(look.background_bgr, np.float32) * ramp, (height, width, 3)).copy()
    face = cv2.resize(portrait(look.identity), (look.face_size, look.face_size), interpolation=cv2.INTER_CUBIC)
    gain = 1 + look.light_gradient * np.linspace(-1, 1, look.face_size, dtype=np.float32)[None, :, None]
    face = np.clip(face * np.array(look.tint_bgr, np.float32) * gain, 0, 1) * 255
    mask = np.zeros((look.face_size, look.face_size), np.float32)
    mask[FEATHER_PX:-FEATHER_PX, FEATHER_PX:-FEATHER_PX] = 1
    mask = cv2.GaussianBlur(mask, (0, 0), FEATHER_PX / 2)[:, :, None]
    left = (width - look.face_size) // 2 + look.offset_x
    top = (height - look.face_size) // 2 + look.offset_y
    region = frame[top:top + look.face_size, left:left + look.face_size]
    if region.shape[:2] != (look.face_size, look.face_size):
        raise FaceError(f"a {look.face_size} px face at offset {look.offset_x},{look.offset_y} leaves the frame")
    frame[top:top + look.face_size, left:left + look.face_size] = region * (1 - mask) + face * mask
    return np.clip(frame, 0, 255).astype(np.uint8)


def landmarks(frame: np.ndarray) -> np.ndarray:
    """The 68 dlib landmarks (x, y) of the one face in ``frame``."""
    faces = detect_faces(frame)
    if len(faces) != 1:
        raise FaceError(f"dlib finds {len(faces)} faces, not one")
    _, predictor = models()
    shape = predictor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), faces[0])
    return np.array([(p.x, p.y) for p in shape.parts()], np.float32)


def mouth_of(points: np.ndarray) -> Mouth:
    left, right = points[MOUTH_LEFT], points[MOUTH_RIGHT]
    centre = points[MOUTH].mean(axis=0)
    dx, dy = right - left
    return Mouth((float(centre[0]), float(centre[1])), float(np.hypot(dx, dy)), float(np.arctan2(dy, dx)))


def erase_mouth(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Cover the photo's own lips with the skin colour found between nose and lip."""
    mouth = mouth_of(points)
    skin_y = int(round((points[NOSE_TIP][1] + points[UPPER_LIP_TOP][1]) / 2))
    skin_x = int(round(points[NOSE_TIP][0]))
    skin = np.median(frame[skin_y - 2:skin_y + 3, skin_x - 6:skin_x + 7].reshape(-1, 3), axis=0)
    mask = np.zeros(frame.shape[:2], np.float32)
    axes = (int(mouth.width * MOUTH_COVER_MARGIN / 2), int(mouth.width * MOUTH_COVER_MARGIN / 3.2))
    centre = (int(round(mouth.centre[0])), int(round(mouth.centre[1])))
    cv2.ellipse(mask, centre, axes, np.degrees(mouth.angle), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), mouth.width / 10)[:, :, None]
    return np.clip(frame * (1 - mask) + skin * mask, 0, 255).astype(np.uint8)


def _lip_curve(half_width: float, height: float, roundness: float, xs: np.ndarray) -> np.ndarray:
    """Height profile from corner to corner: a lens when spread, an oval when rounded."""
    u = np.clip(np.abs(xs) / max(half_width, 1e-6), 0, 1)
    return height * (1 - u ** 2) ** (1 - 0.5 * roundness)


def draw_mouth(frame: np.ndarray, mouth: Mouth, shape: np.ndarray, lip_bgr: tuple[int, int, int]) -> None:
    """Draw the pose ``shape`` (a row in :data:`FIELDS` order) onto ``frame`` in place.

    Everything is a polygon in mouth coordinates (x along the lips, y down), rotated to the
    photo's mouth angle and filled at :data:`SUPERSAMPLE` times the resolution, then
    averaged down, so edges are smooth and sub-pixel.
    """
    pose = dict(zip(FIELDS, shape, strict=True))
    w = mouth.width
    half = w / 2 * pose["width"]
    gap = pose["open"] * w / 2
    # The lower lip rises under the upper teeth for f/v (tuck), halving the gap from below.
    lift = 0.5 * pose["tuck"] * gap
    upper = UPPER_LIP_THICKNESS * w * pose["lips"]
    lower = LOWER_LIP_THICKNESS * w * pose["lips"] * (1 - 0.35 * pose["tuck"])
    inner_half = half * 0.86
    xs = np.linspace(-half, half, LIP_CURVE_POINTS)
    xi = np.linspace(-inner_half, inner_half, LIP_CURVE_POINTS)
    top_inner = -_lip_curve(inner_half, gap, pose["round"], xi)
    bottom_inner = _lip_curve(inner_half, gap - lift, pose["round"], xi)
    outer = np.concatenate([
        np.stack([xs, -_lip_curve(half, gap + upper, pose["round"], xs)], 1),
        np.stack([xs[::-1], _lip_curve(half, gap + lower - lift, pose["round"], xs)[::-1]], 1),
    ])
    inner = np.concatenate([np.stack([xi, top_inner], 1), np.stack([xi[::-1], bottom_inner[::-1]], 1)])

    size = int(np.ceil(w * 1.6))
    cos, sin = np.cos(mouth.angle), np.sin(mouth.angle)
    rotation = np.array([[cos, -sin], [sin, cos]])

    def to_patch(points: np.ndarray) -> np.ndarray:
        return np.round((points @ rotation.T + size / 2) * SUPERSAMPLE).astype(np.int32)

    full = size * SUPERSAMPLE
    lip_mask = np.zeros((full, full), np.uint8)
    cv2.fillPoly(lip_mask, [to_patch(outer)], 255)
    layer = np.zeros((full, full, 3), np.uint8)
    if gap - lift > 0.02 * w:
        cv2.fillPoly(layer, [to_patch(inner)], CAVITY_BGR)
        if pose["tongue"] > 0.05:
            tongue_colour = np.array(CAVITY_BGR) + pose["tongue"] * (np.array(TONGUE_BGR) - np.array(CAVITY_BGR))
            tongue_y = (gap - lift) * (1 - 2 * pose["tongue_height"]) * 0.8 + gap * 0.5
            axes = (max(1, int(inner_half * 0.6 * 16)), max(1, int(max(gap, 1.0) * 16)))
            ellipse = np.array(cv2.ellipse2Poly((0, int(tongue_y * 16)), axes, 0, 0, 360, 15), np.float64) / 16
            cv2.fillPoly(layer, [to_patch(ellipse)], tongue_colour.tolist())
        teeth = TEETH_HEIGHT * w
        for amount, edge, direction in ((pose["upper_teeth"], -gap, 1), (pose["lower_teeth"], gap - lift, -1)):
            if amount > 0.05:
                tooth_colour = np.array(CAVITY_BGR) + amount * (np.array(TEETH_BGR) - np.array(CAVITY_BGR))
                y0, y1 = edge, edge + direction * teeth * amount
                x = inner_half * 0.7
                cv2.fillPoly(layer, [to_patch(np.array([[-x, y0], [x, y0], [x, y1], [-x, y1]]))],
                             tooth_colour.tolist())
        # The lips (outer minus inner contour) go on last, covering whatever spilled out of the cavity.
        cv2.fillPoly(layer, [to_patch(outer), to_patch(inner)], lip_bgr)
    else:
        cv2.fillPoly(layer, [to_patch(outer)], lip_bgr)
    seam = to_patch(np.stack([xi, (top_inner + bottom_inner) / 2], 1))
    cv2.polylines(layer, [seam], False, (np.array(lip_bgr) * 0.45).tolist(), max(1, SUPERSAMPLE // 2))

    small = cv2.resize(layer, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = cv2.resize(lip_mask, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)[:, :, None] / 255
    left = int(round(mouth.centre[0] - size / 2))
    top = int(round(mouth.centre[1] - size / 2))
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + size, frame.shape[0]), min(left + size, frame.shape[1])
    region = frame[y0:y1, x0:x1].astype(np.float32)
    sub = (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))
    frame[y0:y1, x0:x1] = np.clip(region * (1 - alpha[sub]) + small[sub] * alpha[sub], 0, 255).astype(np.uint8)
