"""The realistic mouth: the speaker photo's own lips, warped along their landmarks.

dlib's 20 mouth landmarks of the photo (48-67) and a fixed ring of skin points around them
form a triangle mesh with a fixed topology (lip band, inner mouth, surrounding skin). A pose
moves the lip points; every pixel of the moved mesh is sampled from the photo through its
triangle's affine map (a piecewise-affine warp, continuous across edges), so lips, skin and
their texture are the photo's own. Where the lips part, the inner mouth (dark cavity, upper
and lower teeth, tongue) is shaded in from the photo's skin tone and blurred to the photo's
sharpness.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import face
from .articulation import LOWER_TEETH, UPPER_TEETH
from .visemes import FIELDS

MOUTH_POINTS = 20                            # landmarks 48-67
OUTER = list(range(0, 12))                  # 48-59: left corner, upper lip left to right, right corner, lower back
INNER = list(range(12, 20))                 # 60-67, the same way round
INNER_UPPER, INNER_LOWER = [13, 14, 15], [19, 18, 17]   # 61, 62, 63 above 67, 66, 65
OUTER_UPPER, OUTER_LOWER = [1, 2, 3, 4, 5], [11, 10, 9, 8, 7]   # 49-53 above 59-55
RING_POINTS = 16
RING_AXES = (0.95, 0.7)                     # skin ring semi-axes, in mouth widths: beyond it nothing moves
JAW_SHARE = 0.65                            # the lower lip makes this share of the opening (the jaw drops)
HALF_OPEN = 0.6                             # the gap at open = 1, in mouth widths
TEETH_DEPTH = 0.08                          # visible tooth height at full show, in mouth widths
TUCK_LIFT = 0.6                             # f/v: the lower lip rises under the upper teeth by this much of the gap
SUPERSAMPLE = 4
CAVITY_GAIN = (0.16, 0.14, 0.24)            # BGR gains on the skin tone: a dark red cavity
TONGUE_GAIN = (0.45, 0.42, 0.75)
TEETH_GAIN, TEETH_LIFT = 0.9, 45.0          # teeth: brighter than the skin, greyish
MIN_GAP = 0.01                              # mouth widths: a narrower opening shows nothing inside
BLUR_PER_WIDTH = 1 / 40                     # the inner mouth is blurred by this many mouth widths (photo sharpness)


@dataclass(frozen=True)
class Lips:
    """The photo's mouth, ready to be posed: frame geometry and the closed neutral in mouth units."""

    mouth: face.Mouth
    neutral: np.ndarray       # 20 x 2, (along the lips, down) / mouth width, lips closed
    source: np.ndarray        # (20 + ring) x 2 frame coordinates in the photo
    triangles: np.ndarray     # K x 3 indices into source
    skin_bgr: np.ndarray      # 3 floats


def _zip(ring_a: list[int], ring_b: list[int], closed: bool) -> list[tuple[int, int, int]]:
    """Triangles between two point sequences that run the same way, matched by their fraction along."""
    count_a, count_b = len(ring_a), len(ring_b)
    span_a, span_b = (count_a, count_b) if closed else (count_a - 1, count_b - 1)
    i = j = 0
    triangles = []
    while i < span_a or j < span_b:
        advance_a = j >= span_b or (i < span_a and (i + 1) / span_a <= (j + 1) / span_b)
        if advance_a:
            triangles.append((ring_a[i % count_a], ring_b[j % count_b], ring_a[(i + 1) % count_a]))
            i += 1
        else:
            triangles.append((ring_a[i % count_a], ring_b[j % count_b], ring_b[(j + 1) % count_b]))
            j += 1
    return triangles


def _mesh() -> np.ndarray:
    ring = list(range(MOUTH_POINTS, MOUTH_POINTS + RING_POINTS))
    inner_upper = [12, *INNER_UPPER, 16]
    inner_lower = [12, *INNER_LOWER, 16]
    return np.array(_zip(ring, OUTER, True) + _zip(OUTER, INNER, True) + _zip(inner_upper, inner_lower, False))


TRIANGLES = _mesh()
LIP_BAND = range(RING_POINTS + len(OUTER), RING_POINTS + len(OUTER) + len(OUTER) + len(INNER))
"""The triangles between the outer and inner lip contours: they also cover the seam where a closed
mouth's inner triangles have no area, so the photo's own teeth never show through it."""
SEAM_WIDTH = 1 / 30                         # mouth widths: the dark line where closed lips meet


def _to_frame(mouth: face.Mouth, points: np.ndarray) -> np.ndarray:
    cos, sin = np.cos(mouth.angle), np.sin(mouth.angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    return points * mouth.width @ rotation.T + np.array(mouth.centre)


def _to_mouth(mouth: face.Mouth, points: np.ndarray) -> np.ndarray:
    cos, sin = np.cos(mouth.angle), np.sin(mouth.angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    return (points - np.array(mouth.centre)) @ rotation / mouth.width


def lips_of(still: np.ndarray, points: np.ndarray) -> Lips:
    """The photo's lips from its 68 landmarks."""
    mouth = face.mouth_of(points)
    own = _to_mouth(mouth, points[face.MOUTH].astype(np.float64))
    neutral = own.copy()
    for upper, lower in zip(INNER_UPPER, INNER_LOWER, strict=True):
        neutral[[upper, lower], 1] = own[[upper, lower], 1].mean()
    angles = 2 * np.pi * np.arange(RING_POINTS) / RING_POINTS
    ring = np.stack([-RING_AXES[0] * np.cos(angles), -RING_AXES[1] * np.sin(angles)], 1) + own.mean(axis=0)
    source = np.concatenate([points[face.MOUTH].astype(np.float64), _to_frame(mouth, ring)])
    skin_y = int(round((points[face.NOSE_TIP][1] + points[face.UPPER_LIP_TOP][1]) / 2))
    skin_x = int(round(points[face.NOSE_TIP][0]))
    skin = np.median(still[skin_y - 2:skin_y + 3, skin_x - 6:skin_x + 7].reshape(-1, 3), axis=0).astype(np.float64)
    return Lips(mouth, neutral, source, TRIANGLES, skin)


def posed(lips: Lips, shape: np.ndarray, asymmetry: float) -> np.ndarray:
    """The 20 lip points (mouth units) for ``shape``, a row in :data:`FIELDS` order."""
    pose = dict(zip(FIELDS, shape, strict=True))
    points = lips.neutral.copy()
    centre_u = points[:, 0].mean()
    u = points[:, 0] - centre_u
    half = np.where(np.arange(MOUTH_POINTS) < len(OUTER), np.abs(u[[0, 6]]).mean(), np.abs(u[[12, 16]]).mean())
    stretch = (pose["width"] - 1) * (1 + asymmetry * np.sign(u))
    points[:, 0] = centre_u + u * (1 + stretch)
    profile = np.clip(1 - (u / half) ** 2, 0, 1) ** (1 - 0.5 * pose["round"])
    gap = HALF_OPEN * pose["open"]
    lift = TUCK_LIFT * pose["tuck"] * gap
    lower = OUTER_LOWER + INNER_LOWER
    moves = np.where(np.isin(np.arange(MOUTH_POINTS), lower), JAW_SHARE * gap - lift, -(1 - JAW_SHARE) * gap)
    points[:, 1] += moves * profile
    thickness = pose["lips"] - 1
    for outers, inner in ((OUTER_UPPER, INNER_UPPER[1]), (OUTER_LOWER, INNER_LOWER[1])):
        depth = lips.neutral[outers, 1] - lips.neutral[inner, 1]
        points[outers, 1] += thickness * depth * profile[outers]
    return points


def _affines(source: np.ndarray, target: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Per triangle, the 2 x 3 map from target to source coordinates."""
    maps = np.zeros((len(triangles), 2, 3))
    for k, tri in enumerate(triangles):
        a, b = target[tri], source[tri]
        if abs(np.cross(a[1] - a[0], a[2] - a[0])) < 1e-9:
            continue
        maps[k] = cv2.getAffineTransform(a.astype(np.float32), b.astype(np.float32))
    return maps


def _warp(frame: np.ndarray, lips: Lips, target: np.ndarray) -> None:
    """Sample the moved mesh from the photo, in place."""
    x0, y0 = np.floor(target.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(target.max(axis=0)).astype(int) + 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, frame.shape[1]), min(y1, frame.shape[0])
    index = np.full((y1 - y0, x1 - x0), -1, np.int32)
    local = np.round((target - (x0, y0)) * 16).astype(np.int32)
    for k, tri in enumerate(lips.triangles):
        cv2.fillConvexPoly(index, local[tri], k, lineType=cv2.LINE_8, shift=4)
    edges = np.full_like(index, -1)
    for k in LIP_BAND:
        cv2.polylines(edges, [local[lips.triangles[k]]], True, k, thickness=2, lineType=cv2.LINE_8, shift=4)
    index = np.where(index >= 0, index, edges)
    maps = _affines(lips.source, target, lips.triangles)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    chosen = maps[np.maximum(index, 0)]
    inside = index >= 0
    map_x = np.where(inside, chosen[..., 0, 0] * xs + chosen[..., 0, 1] * ys + chosen[..., 0, 2], xs).astype(np.float32)
    map_y = np.where(inside, chosen[..., 1, 0] * xs + chosen[..., 1, 1] * ys + chosen[..., 1, 2], ys).astype(np.float32)
    frame[y0:y1, x0:x1] = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _inner_mouth(frame: np.ndarray, lips: Lips, points: np.ndarray, shape: np.ndarray) -> None:
    """Shade the cavity, teeth and tongue into the opening between the inner lip points, in place."""
    pose = dict(zip(FIELDS, shape, strict=True))
    width = lips.mouth.width
    gaps = points[INNER_LOWER, 1] - points[INNER_UPPER, 1]
    inner_upper = points[[12, *INNER_UPPER, 16]]
    inner_lower = points[[12, *INNER_LOWER, 16]]
    polygon = np.concatenate([inner_upper, inner_lower[::-1][1:-1]])
    frame_polygon = _to_frame(lips.mouth, polygon)
    x0, y0 = np.floor(frame_polygon.min(axis=0)).astype(int) - 4
    x1, y1 = np.ceil(frame_polygon.max(axis=0)).astype(int) + 5
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, frame.shape[1]), min(y1, frame.shape[0])
    size = ((x1 - x0) * SUPERSAMPLE, (y1 - y0) * SUPERSAMPLE)

    def raster(mouth_points: np.ndarray) -> np.ndarray:
        return np.round((_to_frame(lips.mouth, mouth_points) - (x0, y0)) * SUPERSAMPLE * 16).astype(np.int32)

    skin = lips.skin_bgr
    layer = np.zeros((size[1], size[0], 3), np.float32)
    layer[:] = skin * CAVITY_GAIN
    tongue = pose["tongue"]
    if tongue > 0.05:
        middle = inner_lower[1:-1].mean(axis=0)
        height = (0.3 + 0.5 * pose["tongue_height"]) * gaps.max()
        centre = middle - (0, 0.5 * height)
        axes = np.array([0.28 * (points[16, 0] - points[12, 0]), height])
        angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        ellipse = centre + np.stack([axes[0] * np.cos(angles), axes[1] * np.sin(angles)], 1)
        colour = skin * CAVITY_GAIN + tongue * (skin * TONGUE_GAIN - skin * CAVITY_GAIN)
        cv2.fillPoly(layer, [raster(ellipse)], colour.tolist(), lineType=cv2.LINE_AA, shift=4)
    teeth_colour = np.clip(skin * TEETH_GAIN + TEETH_LIFT, 0, 255)
    for amount, edge, direction in ((shape[UPPER_TEETH], inner_upper, 1), (shape[LOWER_TEETH], inner_lower, -1)):
        if amount > 0.05:
            span = edge[1:-1]
            depth = direction * TEETH_DEPTH * amount
            band = np.concatenate([span, (span + (0, depth))[::-1]])
            colour = skin * CAVITY_GAIN + amount * (teeth_colour - skin * CAVITY_GAIN)
            cv2.fillPoly(layer, [raster(band)], colour.tolist(), lineType=cv2.LINE_AA, shift=4)
    mask = np.zeros((size[1], size[0]), np.float32)
    if gaps.max() >= MIN_GAP:
        cv2.fillPoly(mask, [raster(polygon)], 1.0, lineType=cv2.LINE_AA, shift=4)
    seam = raster((inner_upper + inner_lower) / 2)
    cv2.polylines(mask, [seam], False, 1.0, max(1, int(round(SEAM_WIDTH * width * SUPERSAMPLE))), cv2.LINE_AA, 4)
    small = cv2.resize(layer, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    sigma = max(width * BLUR_PER_WIDTH, 0.3)
    small = cv2.GaussianBlur(small, (0, 0), sigma)
    alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)[:, :, None]
    region = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(region * (1 - alpha) + small * alpha, 0, 255).astype(np.uint8)


def draw(frame: np.ndarray, lips: Lips, shape: np.ndarray, asymmetry: float) -> None:
    """Pose the photo's own mouth in ``frame`` (the still it was found in), in place."""
    points = posed(lips, shape, asymmetry)
    target = np.concatenate([_to_frame(lips.mouth, points), lips.source[MOUTH_POINTS:]])
    _warp(frame, lips, target)
    _inner_mouth(frame, lips, points, shape)
