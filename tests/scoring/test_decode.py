import numpy as np
import pytest

from lipflow import text
from lipflow.datasets import read_sentences
from lipflow.scoring import decode, decoders


@pytest.fixture(scope="module")
def corpus_words():
    return decode.vocabulary(read_sentences("builtin:italian").values(), "ita")


def test_greedy_and_beam_read_hand_built_paths(peaked_logits):
    labels = ["prego", "tutto bene", "all autista", ""]
    logits = peaked_logits(labels, frames=30)
    assert decode.greedy(logits) == labels
    assert decode.beam(logits, beam_width=20) == labels


def test_blank_is_class_zero_not_the_last_class():
    """All mass on class 0 reads as nothing; all mass on the last class (space) is not blank."""
    logits = np.zeros((2, 5, text.NUM_CLASSES), dtype="float32")
    logits[0, :, text.BLANK] = 10
    logits[1, :, text.NUM_CLASSES - 1] = 10
    logits[1, 2, text.encode("a")[0]] = 20
    assert decode.greedy(logits) == ["", "a"]
    assert decode.beam(logits, beam_width=10) == ["", "a"]


def test_beam_finds_the_label_greedy_misses():
    """Two frames, p(blank) = 0.6, p(a) = 0.4: the best path is blank-blank (0.36), but
    "a" has 0.16 + 0.24 + 0.24 = 0.64 over its three paths."""
    probabilities = np.full((1, 2, text.NUM_CLASSES), 1e-12)
    probabilities[0, :, text.BLANK] = 0.6
    probabilities[0, :, text.encode("a")[0]] = 0.4
    logits = np.log(probabilities).astype("float32")
    assert decode.greedy(logits) == [""]
    assert decode.beam(logits, beam_width=10) == ["a"]


def test_vocabulary_is_the_normalised_corpus_words(corpus_words):
    assert {"autista", "all", "dieci", "offerta", "e", "pero"} <= set(corpus_words)
    assert len(corpus_words) == 71  # reference.md section 5: the 71 corpus words
    assert all(word == text.normalise(word) and " " not in word for word in corpus_words)
    assert list(corpus_words) == sorted(set(corpus_words))


def test_snap_maps_misspellings_to_corpus_words(corpus_words):
    assert decode.snap("purtropo non lo so pero potrresti chiedere all autysta", corpus_words) == \
        "purtroppo non lo so pero potresti chiedere all autista"
    assert decode.snap("", corpus_words) == ""


def test_snap_is_a_separate_decoder(peaked_logits, corpus_words):
    logits = peaked_logits(["grazze e arivederci"], frames=60)
    result = decode.decode(logits, beam_width=10, words=corpus_words)
    assert result[decoders.GREEDY] == result[decoders.BEAM] == ["grazze e arivederci"]
    assert result[decoders.BEAM_SNAP] == ["grazie e arrivederci"]
    assert decoders.BEAM_SNAP not in decode.decode(logits, beam_width=10, words=None)
    assert decoders.decoders(snap=False) == [decoders.GREEDY, decoders.BEAM]
