from collections import Counter

import numpy as np
import pytest

from lipflow import text
from lipflow.scoring import metrics, visemes
from lipflow.scoring.metrics import NOTHING, Counts


def test_every_alphabet_character_is_in_exactly_one_class():
    letters = [c for members in visemes.CLASSES.values() for c in members]
    assert Counter(letters) == Counter(text.ALPHABET)
    assert visemes.CLASSES[visemes.SPACE] == " "


@pytest.mark.parametrize("group", ["pbm", "fv", "tdn", "sz", "kgcq"])
def test_published_groups_share_a_class(group):
    assert len({visemes.LETTER_CLASS[c] for c in group}) == 1


def test_to_visemes_maps_each_character():
    assert visemes.to_visemes("pane e") == ["bilabial", "open_vowel", "alveolar", "mid_spread_vowel",
                                            visemes.SPACE, "mid_spread_vowel"]
    with pytest.raises(text.TextError):
        visemes.to_visemes("Pane")


def test_homophenous_substitution_costs_characters_but_not_visemes():
    clip = metrics.score("pane", "bane", "ita")
    assert clip.cer > 0
    assert visemes.score(clip.reference, clip.hypothesis) == Counts(0, 0, 0, 4)
    summary = visemes.summarise([clip, metrics.score("la mamma", "la papma", "ita")])
    assert summary["ver"] == 0
    assert summary["reference_visemes"] == 12


def test_open_to_rounded_vowel_is_a_viseme_error():
    assert visemes.score("pane", "pone") == Counts(1, 0, 0, 3)
    summary = visemes.summarise([metrics.score("pane", "pone", "ita")])
    assert (summary["ver"], summary["viseme_substitutions"]) == (1 / 4, 1)


def test_deletions_and_insertions_are_counted():
    assert visemes.score("pane", "pan") == Counts(0, 1, 0, 3)
    assert visemes.score("pane", "pane e") == Counts(0, 0, 2, 4)
    assert visemes.score("pane", "") == Counts(0, 4, 0, 0)
    with pytest.raises(ValueError):
        visemes.score("", "pane")


def test_viseme_errors_never_exceed_character_errors():
    rng = np.random.default_rng(0)
    letters = np.array(list(text.ALPHABET.strip()))
    for _ in range(200):
        reference = "".join(rng.choice(letters, rng.integers(1, 12)))
        hypothesis = "".join(rng.choice(letters, rng.integers(0, 12)))
        clip = metrics.score(reference, hypothesis, "ita")
        assert visemes.score(reference, hypothesis).errors <= clip.chars.errors


def test_confusion_maps_the_character_alignment_and_sums_to_its_pairs():
    scores = metrics.score_all(["pane caldo", "uno due"], ["bane caldi", "uno"], "ita")
    confusion = visemes.confusion(scores)
    assert sum(confusion.values()) == sum(len(s.char_pairs) for s in scores)
    assert confusion["bilabial", "bilabial"] == 1                 # p read as b
    assert confusion["rounded_vowel", "close_spread_vowel"] == 1  # caldo read as caldi
    assert confusion[visemes.SPACE, NOTHING] == 1                 # " due" deleted
    assert confusion["alveolar", NOTHING] == 1
    assert confusion[NOTHING, NOTHING] == 0
