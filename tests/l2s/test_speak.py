"""lipflow speak: its errors are one line, said before any video is read."""

from __future__ import annotations

import pytest
import yaml

from lipflow.errors import StageError
from lipflow.l2s import speak
from lipflow.l2s.mel import MelSettings
from tests.conftest import REPO


def test_a_missing_generator_or_video_is_named(tmp_path):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    with pytest.raises(StageError, match="generator not found"):
        speak.speak(params, tmp_path / "clip.mp4", tmp_path / "model.keras", tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_without_a_voice_and_without_training_clips_it_says_what_is_missing(tmp_path):
    (tmp_path / "split.tsv").write_text("clip\tspeaker\tsentence_id\tlabel\tsplit\treason\n")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    with pytest.raises(StageError, match="no --voice given and no training clip"):
        speak.voice_mel(None, MelSettings.from_params(params), tmp_path / "split.tsv", tmp_path)
