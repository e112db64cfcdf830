"""Hand-built CTC paths: each character on one frame, a blank after it."""

import numpy as np
import pytest

from lipflow import text


def spell_path(label: str, frames: int) -> list[int]:
    path = [index for code in text.encode(label) for index in (code, text.BLANK)]
    assert len(path) <= frames, "not enough frames for the label"
    return path + [text.BLANK] * (frames - len(path))


@pytest.fixture
def spell():
    """Class per frame that CTC decoding turns back into a label."""
    return spell_path


@pytest.fixture
def peaked_logits():
    """(B, T, 28) logits with one clearly winning class per frame, spelling each label."""

    def build(labels: list[str], frames: int, peak: float = 10.0) -> np.ndarray:
        logits = np.zeros((len(labels), frames, text.NUM_CLASSES), dtype="float32")
        for row, label in enumerate(labels):
            logits[row, np.arange(frames), spell_path(label, frames)] = peak
        return logits

    return build
