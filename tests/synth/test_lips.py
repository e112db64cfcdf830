"""The realistic mouth's mesh and warp on a drawn test face (no photo, no dlib)."""

from __future__ import annotations

import cv2
import numpy as np

from lipflow.synth import articulation, face, lips


def drawn_face() -> tuple[np.ndarray, np.ndarray]:
    """A skin-coloured frame with dark lips, and its 68 landmarks (only nose and mouth matter)."""
    frame = np.full((200, 240, 3), (120, 150, 190), np.uint8)
    points = np.zeros((68, 2), np.float32)
    points[33] = (120, 80)
    outer = [(90, 120), (98, 114), (108, 111), (120, 113), (132, 111), (142, 114), (150, 120),
             (142, 127), (132, 131), (120, 132), (108, 131), (98, 127)]
    inner = [(96, 120), (108, 118), (120, 118), (132, 118), (144, 120), (132, 122), (120, 122), (108, 122)]
    points[48:60], points[60:68] = outer, inner
    cv2.fillPoly(frame, [np.array(outer, np.int32)], (90, 80, 160))
    points[51] = outer[3]
    return frame, points


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = points[triangles[:, 0]], points[triangles[:, 1]], points[triangles[:, 2]]
    return np.cross(b - a, c - a)


def test_the_neutral_closes_the_lips_and_an_open_pose_parts_them():
    frame, points = drawn_face()
    own = lips.lips_of(frame, points)
    rest = lips.posed(own, articulation.class_pose("rest"), 0.0)
    np.testing.assert_allclose(rest[lips.INNER_UPPER, 1], rest[lips.INNER_LOWER, 1])
    wide = lips.posed(own, articulation.class_pose("A"), 0.0)
    gap = wide[lips.INNER_LOWER[1], 1] - wide[lips.INNER_UPPER[1], 1]
    assert gap > 0.3 and wide[lips.INNER_LOWER[1], 1] - rest[lips.INNER_LOWER[1], 1] > gap / 2, "the jaw drops"
    rounded = lips.posed(own, articulation.class_pose("U"), 0.0)
    assert np.ptp(rounded[:, 0]) < np.ptp(rest[:, 0]), "rounding narrows the mouth"


def test_the_mesh_does_not_fold_when_the_mouth_moves():
    """Skin ring and lip band keep their orientation (a closed mouth's seam triangles may have no area)."""
    frame, points = drawn_face()
    own = lips.lips_of(frame, points)
    ring = own.source[lips.MOUTH_POINTS:]
    outer_band = slice(0, lips.RING_POINTS + len(lips.OUTER) + len(lips.OUTER) + len(lips.INNER))
    for name in ("rest", "A", "U", "I", "fv"):
        posed = lips._to_frame(own.mouth, lips.posed(own, articulation.class_pose(name), 0.2))
        areas = signed_areas(np.concatenate([posed, ring]), lips.TRIANGLES[outer_band])
        assert (areas * np.sign(areas[0]) >= -1e-9).all(), f"{name}: a triangle turned over"


def test_the_warp_stays_inside_the_skin_ring_and_opens_a_dark_mouth():
    frame, points = drawn_face()
    own = lips.lips_of(frame, points)
    opened = frame.copy()
    lips.draw(opened, own, articulation.class_pose("A"), 0.0)
    x0, y0 = np.floor(own.source.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(own.source.max(axis=0)).astype(int) + 3
    outside = np.ones(frame.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    np.testing.assert_array_equal(opened[outside], frame[outside])
    centre = tuple(int(round(c)) for c in own.mouth.centre)
    below = (centre[0], centre[1] + 4)
    assert opened[below[1], below[0]].sum() < frame[below[1], below[0]].sum() - 60, "the cavity is darker than lips"
    assert face.mouth_of(points).width == own.mouth.width
