import numpy as np
import pytest

from lipflow.scoring import intervals
from lipflow.scoring.metrics import Counts, Score

TRUE_RATE = 0.1
CLIPS = 60
DATA_SETS = 500
RESAMPLES = 1000
SHORTEST, LONGEST = 15, 70  # reference characters per clip, like short read sentences


def simulated(seed: int, rate: float = TRUE_RATE, clips: int = CLIPS) -> tuple[np.ndarray, np.ndarray]:
    """Clips of varying length whose character errors are Binomial(length, rate)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(SHORTEST, LONGEST + 1, size=clips)
    return rng.binomial(lengths, rate), lengths


def clip(index: int, length: int, errors: int) -> Score:
    """A clip with ``errors`` character substitutions out of ``length``; one word, wrong iff any."""
    chars = Counts(errors, 0, 0, length - errors)
    words = Counts(int(errors > 0), 0, 0, int(errors == 0))
    return Score(f"clip {index}", "", words, chars, ())


def runs(seeds: int, rate: float, lengths: np.ndarray, first_seed: int) -> list[list[Score]]:
    """``seeds`` runs over the same clips, each with its own Binomial(length, rate) errors."""
    out = []
    for s in range(seeds):
        errors = np.random.default_rng(first_seed + s).binomial(lengths, rate)
        out.append([clip(i, int(n), int(e)) for i, (n, e) in enumerate(zip(lengths, errors, strict=True))])
    return out


def test_95_percent_interval_covers_the_true_rate_about_95_percent_of_the_time():
    covered = 0
    for seed in range(DATA_SETS):
        errors, lengths = simulated(seed)
        low, high = intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=seed)
        covered += low <= TRUE_RATE <= high
    coverage = covered / DATA_SETS
    print(f"coverage of the {intervals.LEVEL:.0%} interval over {DATA_SETS} data sets: {coverage:.3f}")
    assert 0.92 <= coverage <= 0.98


def test_interval_contains_the_corpus_rate_and_narrows_with_level():
    errors, lengths = simulated(7)
    rate = errors.sum() / lengths.sum()
    low, high = intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=1)
    low80, high80 = intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=1, level=0.8)
    assert low < rate < high
    assert low <= low80 < high80 <= high


def test_same_seed_same_interval_other_seed_other_interval():
    errors, lengths = simulated(3)
    first = intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=42)
    assert intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=42) == first
    assert intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=43) != first


def test_batches_bound_memory_and_keep_every_resample(monkeypatch):
    errors, lengths = simulated(5)
    monkeypatch.setattr(intervals, "_BATCH_CELLS", CLIPS * 7)  # 7 resamples per batch, a ragged last one
    assert list(intervals._batches(RESAMPLES, CLIPS)) == [7] * (RESAMPLES // 7) + [RESAMPLES % 7]
    low, high = intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=0)
    assert low < errors.sum() / lengths.sum() < high


@pytest.mark.parametrize("errors, lengths", [([], []), ([1, 2], [3]), ([1], [0]), ([-1], [4])])
def test_bad_arrays_are_refused(errors, lengths):
    with pytest.raises(ValueError):
        intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=0)


def test_interval_of_scores_uses_the_chosen_unit():
    errors, lengths = simulated(11)
    scores = [clip(i, int(n), int(e)) for i, (n, e) in enumerate(zip(lengths, errors, strict=True))]
    assert intervals.interval(scores, "chars", RESAMPLES, seed=2) == \
        intervals.corpus_rate_interval(errors, lengths, RESAMPLES, seed=2)
    low, high = intervals.interval(scores, "words", RESAMPLES, seed=2)
    assert 0 <= low <= np.mean(errors > 0) <= high <= 1
    with pytest.raises(ValueError, match="unit"):
        intervals.interval(scores, "visemes", RESAMPLES, seed=2)


def test_identical_methods_show_no_detectable_difference():
    _, lengths = simulated(0)
    a = runs(3, TRUE_RATE, lengths, first_seed=100)
    result = intervals.paired_difference(a, a, "chars", RESAMPLES, seed=0)
    assert result.estimate == 0
    assert result.low <= 0 <= result.high
    assert intervals.verdict(result.low, result.high) == intervals.NO_DIFFERENCE


def test_a_clearly_better_method_is_detected_and_the_sign_is_b_minus_a():
    _, lengths = simulated(0)
    worse = runs(3, 0.2, lengths, first_seed=100)
    better = runs(4, 0.05, lengths, first_seed=200)
    result = intervals.paired_difference(worse, better, "chars", RESAMPLES, seed=0)
    def mean_rate(rs):
        return np.mean([sum(s.chars.errors for s in r) / lengths.sum() for r in rs])
    assert result.estimate == pytest.approx(mean_rate(better) - mean_rate(worse))
    assert result.low <= result.estimate <= result.high < 0
    assert intervals.verdict(result.low, result.high, a="vanilla", b="kd") == "kd has the lower error rate"
    swapped = intervals.paired_difference(better, worse, "chars", RESAMPLES, seed=0)
    assert 0 < swapped.low
    assert intervals.verdict(swapped.low, swapped.high) == "A has the lower error rate"
    assert intervals.paired_difference(worse, better, "chars", RESAMPLES, seed=0) == result


def test_pairing_removes_shared_clip_difficulty():
    """B is A with one error fewer on every clip: hard and easy clips move together, so the
    paired interval is far narrower than the two methods' own intervals."""
    rng = np.random.default_rng(9)
    lengths = rng.integers(SHORTEST, LONGEST + 1, size=CLIPS)
    difficulty = rng.uniform(0.05, 0.5, size=CLIPS)  # shared by both methods
    errors = rng.binomial(lengths, difficulty) + 1
    a = [[clip(i, int(n), int(e)) for i, (n, e) in enumerate(zip(lengths, errors, strict=True))]]
    b = [[clip(i, int(n), int(e) - 1) for i, (n, e) in enumerate(zip(lengths, errors, strict=True))]]
    result = intervals.paired_difference(a, b, "chars", RESAMPLES, seed=0)
    low, high = intervals.interval(a[0], "chars", RESAMPLES, seed=0)
    assert result.high < 0
    assert result.high - result.low < (high - low) / 4


def test_runs_over_different_clips_are_refused():
    _, lengths = simulated(0)
    a = runs(2, TRUE_RATE, lengths, first_seed=0)
    with pytest.raises(ValueError, match="same clips"):
        intervals.paired_difference(a, [a[0][::-1]], "chars", RESAMPLES, seed=0)
    with pytest.raises(ValueError):
        intervals.paired_difference(a, [], "chars", RESAMPLES, seed=0)


@pytest.mark.parametrize("low, high, expected", [
    (-0.02, 0.01, intervals.NO_DIFFERENCE),
    (0.0, 0.03, intervals.NO_DIFFERENCE),
    (-0.03, -0.01, "B has the lower error rate"),
    (0.01, 0.03, "A has the lower error rate"),
])
def test_verdict(low, high, expected):
    assert intervals.verdict(low, high) == expected


def test_a_method_over_seeds_gets_its_mean_rate_and_an_interval_wider_than_one_run_alone():
    _, lengths = simulated(0)
    several = runs(3, TRUE_RATE, lengths, first_seed=300)
    result = intervals.seeds_interval(several, "chars", RESAMPLES, seed=0)
    mean_rate = np.mean([sum(s.chars.errors for s in r) / lengths.sum() for r in several])
    assert result.estimate == pytest.approx(mean_rate)
    assert result.low <= result.estimate <= result.high
    assert result.low < TRUE_RATE < result.high
    assert intervals.seeds_interval(several, "chars", RESAMPLES, seed=0) == result
    noisy = runs(3, TRUE_RATE, lengths, first_seed=300)
    noisy[1] = runs(1, 3 * TRUE_RATE, lengths, first_seed=400)[0]
    spread = intervals.seeds_interval(noisy, "chars", RESAMPLES, seed=0)
    assert spread.high - spread.low > result.high - result.low, "disagreeing seeds must widen the interval"
