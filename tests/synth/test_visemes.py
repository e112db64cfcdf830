import numpy as np
import pytest

from lipflow import grid
from lipflow.datasets import read_sentences
from lipflow.synth.speech import Phone, Voice, speak
from lipflow.synth.visemes import (
    FIELDS,
    GLIDES,
    PHONEME_VISEMES,
    VISEMES,
    VisemeError,
    cartoon_targets,
    glide,
    pose,
    shape_track,
    viseme,
)

OPEN = FIELDS.index("open")


def test_every_phoneme_of_the_sentences_has_a_viseme():
    spoken = " ".join(read_sentences("builtin:italian").values()).replace("'", " ")
    names = {p.name for p in speak(spoken, Voice("f1", 50, 50, 175)).phones}
    assert {viseme(name) for name in names} <= set(VISEMES)


def test_every_phoneme_of_the_grid_words_has_a_viseme():
    """All 51 words of the GRID grammar, alone and in sentences, with the English voice."""
    words = sorted({word for table in grid.GRAMMAR for word in table.values()})
    assert len(words) == 51
    codes = ("bbaf2n", "lgai9a", "pwwy1s", "srbxzp")
    sentences = [" ".join(words) + ".", *(grid.sentence(code) + "." for code in codes)]
    names = {p.name for p in speak(" ".join(sentences), Voice("m3", 50, 50, 175), "eng").phones}
    assert {"T", "aI", "eI", "oU", "aU"} <= names          # English phonemes the Italian table lacked
    assert {viseme(name) for name in names} <= set(VISEMES)
    assert {glide(name) for name in names} - {None} <= set(VISEMES)


def test_diphthongs_glide_to_their_second_vowel():
    assert set(GLIDES) <= set(PHONEME_VISEMES) and set(GLIDES.values()) <= set(VISEMES)
    assert viseme("aI") == "a" and glide("aI") == "i" and glide("a") is None and glide("_") is None
    times = (np.arange(25) + 0.5) / 25
    track = shape_track(cartoon_targets([Phone("aI", 0.2, 0.8)]), 0.0, times, 0.02)
    start, end = track[(times > 0.25) & (times < 0.45)], track[(times > 0.55) & (times < 0.75)]
    assert np.allclose(start, pose("a"), atol=0.02) and np.allclose(end, pose("i"), atol=0.02)


def test_decorated_names_fall_back_to_their_base_and_unknown_ones_fail():
    assert viseme("t:") == viseme("t[") == "t"
    assert viseme("ts2") == "ts"
    assert viseme("_:") == "rest"
    with pytest.raises(VisemeError):
        viseme("Q")


def test_classes_that_lips_blur_together_are_drawn_differently():
    for a, b in [("p", "b"), ("b", "m"), ("p", "m"), ("k", "p"), ("r", "l"), ("l", "n"), ("n", "t"), ("t", "d")]:
        assert VISEMES[a] != VISEMES[b]


def test_track_follows_the_phones_at_the_frames():
    phones = [Phone("m", 0.0, 0.2), Phone("a", 0.2, 0.5), Phone("p", 0.5, 0.7)]
    times = (np.arange(25) + 0.5) / 25
    track = shape_track(cartoon_targets(phones), 0.1, times, 0.02)
    assert track.shape == (25, len(FIELDS))
    def during(start, end):
        return track[(times > start + 0.05) & (times < end - 0.05), OPEN]
    assert during(0.3, 0.6).min() > 0.5
    assert during(0.1, 0.3).max() < 0.05
    assert during(0.6, 0.8).max() < 0.05
    assert track[0, OPEN] == pytest.approx(VISEMES["rest"].open)
