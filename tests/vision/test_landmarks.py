"""The dlib landmark model that face tracking needs."""

from __future__ import annotations

import pytest

from lipflow.errors import StageError
from lipflow.vision import landmarks


def test_missing_landmark_model_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(landmarks, "PREDICTOR_FILE", "models/no_such_model.dat")
    with pytest.raises(StageError, match="face-recognition-models"):
        landmarks.predictor_path()
