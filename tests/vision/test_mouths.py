"""Mouth crops from real GRID frames: face gaps, trimming and padding, channels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import uniform_filter1d

from lipflow import mouthfile, params
from lipflow.errors import StageError
from lipflow.vision import landmarks, mouths
from lipflow.vision.video import decode
from tests.conftest import REPO, grid_clip

pytestmark = pytest.mark.slow
T = 75  # GRID clips: 3 s at 25 fps


def settings(**changes) -> dict:
    return {**params.load(REPO / "params.yaml")["mouth"], "frames": T, **changes}


def extract(video: list[np.ndarray], **changes) -> mouths.Mouths:
    """What the landmarks and mouth stages do to a clip's frames."""
    points, found, tracking = landmarks.measure(video, params.load(REPO / "params.yaml")["landmarks"])
    return mouths.crop_frames(video, points, found, settings(**changes), tracking)


def grid_frames() -> list[np.ndarray]:
    return decode(grid_clip("sbwe5n"))


def test_a_short_face_gap_is_interpolated_a_long_one_fails():
    frames = grid_frames()
    for index in (30, 31, 32):
        frames[index] = np.zeros_like(frames[index])
    result = extract(frames)
    assert result.details["interpolated_frames"] == [30, 31, 32]
    assert list(np.flatnonzero(result.mask == mouths.INTERPOLATED)) == [30, 31, 32]
    before, after = result.landmarks_raw[29], result.landmarks_raw[33]
    assert np.allclose(result.landmarks_raw[31], (before + after) / 2, atol=0.5)

    for index in range(30, 40):
        frames[index] = np.zeros_like(frames[index])
    with pytest.raises(StageError, match="no face in frames 30-39"):
        extract(frames)


def test_short_clip_is_padded_long_clip_trimmed_by_the_rule():
    frames = grid_frames()
    short = extract(frames[:40])
    assert short.frames.shape[0] == T and short.details["padded"] == T - 40
    assert (short.mask[40:] == mouthfile.PADDED).all() and (short.frames[40:] == short.frames[39]).all()
    black = extract(frames[:40], pad="zeros")
    assert not black.frames[40:].any()

    centre = extract(frames, frames=25, trim="centre")
    assert list(centre.source_frames) == list(range(25, 50)) and centre.details["trimmed"] == 50


def test_grey_output_has_one_channel():
    result = extract(grid_frames()[:30], channels=1, frames=30)
    assert result.frames.shape == (30, 50, 100, 1)


@given(arrays(np.float64, st.tuples(st.integers(1, 120), st.integers(1, 4)),
              elements=st.floats(-1e4, 1e4, allow_nan=False)), st.integers(1, 30))
def test_moving_average_is_scipys_uniform_filter_bit_for_bit(values, window):
    expected = uniform_filter1d(values, window, axis=0, mode="nearest")
    assert np.array_equal(mouths.moving_average(values, window), expected)
