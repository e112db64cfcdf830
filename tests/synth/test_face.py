import numpy as np
import pytest

from lipflow.synth import corpus, face
from lipflow.synth.visemes import pose

NOMINAL = dict(face_size=200, offset_x=0, offset_y=0, tint_bgr=(0.9, 0.95, 1.05), light_gradient=0.0,
               background_bgr=(110, 120, 130), lip_bgr=(90, 80, 170))


@pytest.mark.slow
def test_every_identity_is_a_clear_face_whatever_the_mouth():
    refused = []
    for identity in face.IDENTITIES:
        try:
            corpus.prepared_face(face.Look(identity, **NOMINAL), 360, 288, "cartoon")
        except face.FaceError as error:
            refused.append(str(error))
    assert not refused


def test_drawn_mouth_sits_on_the_landmarks_and_keeps_the_face():
    still = face.compose(face.Look("astronaut", **NOMINAL), 360, 288)
    points = face.landmarks(still)
    mouth = face.mouth_of(points)
    base = face.erase_mouth(still, points)
    x, y = (int(round(c)) for c in mouth.centre)
    half = int(mouth.width)
    dark = {}
    for name in ("p", "a", "u", "i"):
        frame = base.copy()
        face.draw_mouth(frame, mouth, pose(name), (90, 80, 170))
        assert len(face.detect_faces(frame)) == 1
        region = frame[y - half:y + half, x - half:x + half].astype(int)
        dark[name] = int((region.sum(axis=2) < 150).sum())
        redrawn = face.mouth_of(face.landmarks(frame))
        assert np.hypot(*np.subtract(redrawn.centre, mouth.centre)) < mouth.width / 4
    assert dark["p"] < dark["u"] < dark["a"]
    assert dark["i"] < dark["a"]


def test_unknown_identity_and_a_face_off_the_frame_fail():
    with pytest.raises(face.FaceError):
        face.portrait("lfw04")
    with pytest.raises(face.FaceError, match="leaves the frame"):
        face.compose(face.Look("astronaut", **{**NOMINAL, "face_size": 280, "offset_y": 20}), 360, 288)
