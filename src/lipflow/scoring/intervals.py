"""Bootstrap confidence intervals for corpus error rates and for differences between methods.

A corpus CER is one number from one test set; a lip-reading test set is a few hundred
clips from a few speakers, so two methods' CERs differ by chance as much as by design.
Clips, not characters, are the independent units (errors cluster within a hard sentence
or a badly framed clip), so the bootstrap resamples clips with replacement and recomputes
the corpus rate sum(errors) / sum(reference units) each time; the interval is the central
``level`` share of those rates (percentile bootstrap).

Comparing two methods trained with several seeds adds a second source of chance: the
training seed. :func:`paired_difference` resamples both, seeds first and then clips, with
the same clip draw for both methods, so the clip-to-clip difficulty that both methods share
cancels out of the difference (a paired comparison).

Resampling is vectorised: each batch of resamples is an index matrix (resamples x clips);
batches keep memory bounded whatever the corpus size, and a seeded
:func:`numpy.random.default_rng` makes every interval reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, NamedTuple

import numpy as np

from .metrics import Counts, Score

LEVEL = 0.95
"""Default confidence level: the central 95% of the bootstrap distribution."""

_BATCH_CELLS = 1 << 22
"""Index-matrix cells drawn per batch (4 Mi int64 = 32 MiB): bounds memory on big corpora."""

NO_DIFFERENCE = "no detectable difference"

Unit = Literal["chars", "words"]


class Difference(NamedTuple):
    """Rate of method B minus rate of method A (negative: B makes fewer errors)."""

    estimate: float
    low: float
    high: float


class Estimate(NamedTuple):
    """A rate and its 95% interval."""

    estimate: float
    low: float
    high: float


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")


def _check_resamples(resamples: int) -> None:
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def _batches(resamples: int, clips: int) -> Iterator[int]:
    """Sizes of consecutive batches of resamples, each at most :data:`_BATCH_CELLS` cells."""
    rows = max(1, _BATCH_CELLS // clips)
    for start in range(0, resamples, rows):
        yield min(rows, resamples - start)


def _resampled_ratios(numerators: np.ndarray, denominators: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ratios = []
    for rows in _batches(resamples, numerators.size):
        draw = rng.integers(0, numerators.size, size=(rows, numerators.size))
        ratios.append(numerators[draw].sum(axis=1) / denominators[draw].sum(axis=1))
    return np.concatenate(ratios)


def corpus_rate_interval(errors, lengths, resamples: int, seed: int,
                         level: float = LEVEL) -> tuple[float, float]:
    """Percentile-bootstrap interval of sum(errors) / sum(lengths) over clips.

    ``errors[i]`` and ``lengths[i]`` are clip ``i``'s edit operations and reference units;
    every length must be positive (an empty reference cannot be scored), so no resample
    divides by zero. The same ``seed`` always gives the same interval.
    """
    _check_level(level)
    _check_resamples(resamples)
    errors = np.asarray(errors, dtype=float)
    lengths = np.asarray(lengths, dtype=float)
    if errors.ndim != 1 or errors.shape != lengths.shape or errors.size == 0:
        raise ValueError(f"need two equal, non-empty 1-D arrays; got {errors.shape} and {lengths.shape}")
    if (lengths <= 0).any() or (errors < 0).any():
        raise ValueError("every clip needs a positive reference length and non-negative errors")
    return _percentiles(_resampled_ratios(errors, lengths, resamples, seed), level)


def mean_interval(values, resamples: int, seed: int, level: float = LEVEL) -> tuple[float, float]:
    """Percentile-bootstrap interval of the mean of per-clip values (STOI, mel distance), clips resampled."""
    _check_level(level)
    _check_resamples(resamples)
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"need a non-empty 1-D array, got shape {values.shape}")
    return _percentiles(_resampled_ratios(values, np.ones_like(values), resamples, seed), level)


def _counts(scores: Sequence[Score], unit: Unit) -> list[Counts]:
    if unit not in ("chars", "words"):
        raise ValueError(f"unit must be 'chars' or 'words', got {unit!r}")
    return [getattr(s, unit) for s in scores]


def interval(scores: Sequence[Score], unit: Unit, resamples: int, seed: int,
             level: float = LEVEL) -> tuple[float, float]:
    """:func:`corpus_rate_interval` of the corpus CER (``unit="chars"``) or WER (``"words"``)."""
    counts = _counts(scores, unit)
    return corpus_rate_interval([c.errors for c in counts], [c.reference_length for c in counts],
                                resamples, seed, level)


def _error_matrix(runs: Sequence[Sequence[Score]], unit: Unit, references: tuple[str, ...]) -> np.ndarray:
    """Errors as a (seeds x clips) array, checking every run scored the same clips in order."""
    if not runs:
        raise ValueError("each method needs at least one run (seed)")
    for run in runs:
        if tuple(s.reference for s in run) != references:
            raise ValueError("every run of both methods must score the same clips in the same order")
    return np.array([[c.errors for c in _counts(run, unit)] for run in runs], dtype=float)


def _seed_means(rng: np.random.Generator, errors: np.ndarray, rows: int) -> np.ndarray:
    """Per-clip errors averaged over a with-replacement draw of seeds, one draw per row."""
    seeds = errors.shape[0]
    draw = rng.integers(0, seeds, size=(rows, seeds))
    weights = (draw[:, :, None] == np.arange(seeds)).sum(axis=1) / seeds
    return weights @ errors


def _checked_runs(runs: Sequence[Sequence[Score]], unit: Unit, level: float, resamples: int,
                  name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The references and reference lengths every run of ``runs`` must share, after the usual checks."""
    _check_level(level)
    _check_resamples(resamples)
    if not runs or not runs[0]:
        raise ValueError(f"{name} has no runs or no clips")
    references = tuple(s.reference for s in runs[0])
    return references, np.array([c.reference_length for c in _counts(runs[0], unit)], dtype=float)


def seeds_interval(runs: Sequence[Sequence[Score]], unit: Unit, resamples: int, seed: int,
                   level: float = LEVEL) -> Estimate:
    """Mean corpus rate over seeds of one method, with the same two-level bootstrap as
    :func:`paired_difference` (seeds with replacement, then clips): the interval covers both
    the luck of the training seed and that of the test clips."""
    references, lengths = _checked_runs(runs, unit, level, resamples, "the method")
    errors = _error_matrix(runs, unit, references)
    rng = np.random.default_rng(seed)
    rates = []
    for rows in _batches(resamples, lengths.size):
        per_clip = _seed_means(rng, errors, rows)
        draw = rng.integers(0, lengths.size, size=(rows, lengths.size))
        rates.append(np.take_along_axis(per_clip, draw, axis=1).sum(axis=1) / lengths[draw].sum(axis=1))
    return Estimate(float(errors.mean(axis=0).sum() / lengths.sum()), *_percentiles(np.concatenate(rates), level))


def paired_difference(a: Sequence[Sequence[Score]], b: Sequence[Sequence[Score]], unit: Unit,
                      resamples: int, seed: int, level: float = LEVEL) -> Difference:
    """Mean corpus rate of B minus that of A over seeds, with a two-level bootstrap interval.

    ``a`` and ``b`` are lists of runs (one per training seed; the two methods may have
    different numbers), each run the scores of the same test clips in the same order.
    The sign is **b - a**: a negative difference means B makes fewer errors.

    Each resample draws A's seeds and B's seeds with replacement (independently: seed 1
    of A has nothing to do with seed 1 of B), then one clip draw with replacement shared
    by both methods, and recomputes the difference of mean corpus rates. Every run has the
    same references, so the reference length is common and the mean over seeds of corpus
    rates is the corpus rate of the seed-mean errors.
    """
    references, lengths = _checked_runs(a, unit, level, resamples, "method A")
    errors_a = _error_matrix(a, unit, references)
    errors_b = _error_matrix(b, unit, references)
    clips = lengths.size
    estimate = float((errors_b.mean(axis=0).sum() - errors_a.mean(axis=0).sum()) / lengths.sum())
    rng = np.random.default_rng(seed)
    differences = []
    for rows in _batches(resamples, clips):
        per_clip = _seed_means(rng, errors_b, rows) - _seed_means(rng, errors_a, rows)
        draw = rng.integers(0, clips, size=(rows, clips))
        drawn_errors = np.take_along_axis(per_clip, draw, axis=1).sum(axis=1)
        differences.append(drawn_errors / lengths[draw].sum(axis=1))
    return Difference(estimate, *_percentiles(np.concatenate(differences), level))


def verdict(low: float, high: float, a: str = "A", b: str = "B") -> str:
    """Plain words for an interval of rate(b) - rate(a): which method errs less, if either.

    An interval that covers 0 (ends included) cannot tell the methods apart.
    """
    if low > high:
        raise ValueError(f"interval ends are reversed: low {low} > high {high}")
    if low <= 0 <= high:
        return NO_DIFFERENCE
    lower = b if high < 0 else a
    return f"{lower} has the lower error rate"
