import math

import pytest

from lipflow import text
from lipflow.datasets import read_sentences
from lipflow.scoring import metrics

SENTENCES = read_sentences("builtin:italian")

# (reference, hypothesis): one word substitution, one deletion, two insertions.
FIXTURE = [
    ("A b, C d.", "a x c d"),      # words: 1 S of 4;  chars: 1 S of 7
    ("Uno, due!", "uno"),          # words: 1 D of 2;  chars: 4 D (" due") of 7
    ("Tre.", "tre tre quattro"),   # words: 2 I of 1;  chars: 12 I (" tre quattro") of 3
]


@pytest.fixture(scope="module")
def fixture_scores():
    return metrics.score_all([r for r, _ in FIXTURE], [h for _, h in FIXTURE], "ita")


@pytest.mark.parametrize("sentence_id", sorted(SENTENCES, key=int))
def test_normalised_reference_scores_zero_on_every_corpus_sentence(sentence_id):
    sentence = SENTENCES[sentence_id]
    result = metrics.score(sentence, text.normalise(sentence, "ita"), "ita")
    assert (result.cer, result.wer, result.correct) == (0, 0, True)


def test_the_hard_sentences_are_in_the_table_and_score_zero():
    hard = [s for s in SENTENCES.values() if s.startswith("È in offerta") or "all'autista" in s]
    assert hard == ["È in offerta, costa 10 euro.", "Purtroppo non lo so, però potresti chiedere all'autista."]
    summary = metrics.summarise(metrics.score_all(SENTENCES.values(),
                                                  [text.normalise(s) for s in SENTENCES.values()], "ita"))
    assert summary["cer"] == summary["wer"] == 0
    assert summary["bleu"] == pytest.approx(1.0)
    assert summary["sentence_accuracy"] == 1.0


def test_hand_computed_counts(fixture_scores):
    s = metrics.summarise(fixture_scores)
    assert (s["word_substitutions"], s["word_deletions"], s["word_insertions"], s["reference_words"]) == (1, 1, 2, 7)
    assert (s["char_substitutions"], s["char_deletions"], s["char_insertions"], s["reference_chars"]) == (1, 4, 12, 17)
    assert [x.wer for x in fixture_scores] == [1 / 4, 1 / 2, 2 / 1]
    assert [x.cer for x in fixture_scores] == [1 / 7, 4 / 7, 12 / 3]


def test_corpus_rate_differs_from_mean_of_clip_rates(fixture_scores):
    s = metrics.summarise(fixture_scores)
    assert s["wer"] == pytest.approx(4 / 7)
    assert s["wer_mean"] == pytest.approx((1 / 4 + 1 / 2 + 2) / 3)
    assert s["cer"] == pytest.approx(17 / 17)
    assert s["cer_mean"] == pytest.approx((1 / 7 + 4 / 7 + 4) / 3)
    assert s["wer"] != pytest.approx(s["wer_mean"])


def test_sentence_accuracy():
    scores = metrics.score_all(["Prego.", "Tutto bene, tu?"], ["prego", "tutto bene su"], "ita")
    assert metrics.summarise(scores)["sentence_accuracy"] == 0.5


def test_bleu_scores_the_hypothesis_against_the_reference():
    """A correct but short hypothesis: every n-gram precision is 1, so BLEU is the brevity
    penalty exp(1 - 6/4); swapped, the precisions fall and no penalty applies."""
    reference, hypothesis = "purtroppo non lo so pero potresti", "purtroppo non lo so"
    assert metrics.bleu([reference], [hypothesis]) == pytest.approx(math.exp(1 - 6 / 4))
    assert metrics.bleu([hypothesis], [reference]) != pytest.approx(math.exp(1 - 6 / 4))


def test_bleu_counts_words_not_characters():
    """Reversed words: unigrams 4/4, no longer n-gram matches (bigrams 0/3, trigrams 0/2,
    4-grams 0/1), which sacrebleu's exponential smoothing turns into 1/6, 1/8, 1/8.
    Character n-grams would match far more."""
    assert metrics.bleu(["tutto bene grazie ciao"], ["tutto bene grazie ciao"]) == pytest.approx(1.0)
    reversed_words = metrics.bleu(["tutto bene grazie ciao"], ["ciao grazie bene tutto"])
    assert reversed_words == pytest.approx((1 * 1 / 6 * 1 / 8 * 1 / 8) ** (1 / 4))


def test_breakdown_groups_corpus_rates(fixture_scores):
    groups = metrics.breakdown(["s2", "s1", "s2"], fixture_scores)
    assert list(groups) == ["s1", "s2"]
    assert groups["s1"]["wer"] == pytest.approx(1 / 2)
    assert groups["s2"]["wer"] == pytest.approx((1 + 2) / (4 + 1))
    assert groups["s2"]["clips"] == 2


def test_worst_clips_by_cer(fixture_scores):
    assert metrics.worst(fixture_scores, 2) == [2, 1]


def test_confusion_counts_every_aligned_character(fixture_scores):
    pairs = metrics.confusion(fixture_scores)
    assert pairs[("b", "x")] == 1
    assert pairs[("d", metrics.NOTHING)] == 2 - 1  # "uno due" loses its d; "a b c d" keeps its own
    assert sum(n for (r, h), n in pairs.items() if r == metrics.NOTHING) == 12
    assert sum(n for (r, h), n in pairs.items() if r != metrics.NOTHING) == 17


def test_empty_reference_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        metrics.score("?!", "ciao", "ita")


def test_the_hypothesis_is_normalised_like_the_reference():
    """A decoder's raw output (capitals, punctuation, digits, accents) scores as its normalised words."""
    same = metrics.score("Perfetto, vorrei comprarne due.", "PERFETTO  vorrei comprarne 2!", "ita")
    assert same.hypothesis == "perfetto vorrei comprarne due"
    assert same.cer == 0 and same.wer == 0
    accented = metrics.score("E in offerta", "È in offerta", "ita")
    assert accented.cer == 0
