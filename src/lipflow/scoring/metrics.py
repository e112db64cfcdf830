"""Every error measure lipflow reports, in one place.

References and hypotheses both go through :func:`lipflow.text.normalise` here, so a
perfect reader scores exactly zero whatever capitals, accents or punctuation the sentence
table uses. Rates come two ways: the corpus rate (all edit operations / all reference
units, what papers report) and the mean of per-clip rates (which weighs short sentences
more); both are kept because they differ.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jiwer
import numpy as np
import sacrebleu

from .. import text

NOTHING = ""
"""The empty side of an insertion or deletion in a character alignment."""


@dataclass(frozen=True)
class Counts:
    """Edit operations aligning a hypothesis to a reference (words or characters)."""

    substitutions: int
    deletions: int
    insertions: int
    hits: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def reference_length(self) -> int:
        return self.substitutions + self.deletions + self.hits

    @property
    def rate(self) -> float:
        return self.errors / self.reference_length

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.substitutions + other.substitutions, self.deletions + other.deletions,
            self.insertions + other.insertions, self.hits + other.hits,
        )


@dataclass(frozen=True)
class Score:
    """One clip: the normalised pair, its word and character counts, its character alignment."""

    reference: str
    hypothesis: str
    words: Counts
    chars: Counts
    char_pairs: tuple[tuple[str, str], ...]

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate

    @property
    def correct(self) -> bool:
        return self.reference == self.hypothesis


def _counts(output) -> Counts:
    return Counts(output.substitutions, output.deletions, output.insertions, output.hits)


def _aligned_pairs(reference: list[str], hypothesis: list[str], chunks) -> tuple[tuple[str, str], ...]:
    pairs = []
    for chunk in chunks:
        ref = reference[chunk.ref_start_idx:chunk.ref_end_idx]
        hyp = hypothesis[chunk.hyp_start_idx:chunk.hyp_end_idx]
        if chunk.type == "delete":
            pairs += [(r, NOTHING) for r in ref]
        elif chunk.type == "insert":
            pairs += [(NOTHING, h) for h in hyp]
        else:
            pairs += list(zip(ref, hyp, strict=True))
    return tuple(pairs)


def score(reference: str, hypothesis: str, language: str) -> Score:
    """Normalise both sides and align them by words and by characters (spaces count)."""
    reference = text.normalise(reference, language)
    hypothesis = text.normalise(hypothesis, language)
    if not reference:
        raise ValueError("reference is empty after normalisation: nothing to score against")
    words = jiwer.process_words(reference, hypothesis)
    chars = jiwer.process_characters(reference, hypothesis)
    pairs = _aligned_pairs(chars.references[0], chars.hypotheses[0], chars.alignments[0])
    return Score(reference, hypothesis, _counts(words), _counts(chars), pairs)


def score_all(references: Iterable[str], hypotheses: Iterable[str], language: str) -> list[Score]:
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    return [score(r, h, language) for r, h in zip(references, hypotheses, strict=True)]


def bleu(references: list[str], hypotheses: list[str]) -> float:
    """Corpus word BLEU in [0, 1] of ``hypotheses`` against ``references`` (already normalised).

    sacrebleu takes the system output first and the reference streams second; its
    tokenizer is off because normalised text is already space-separated words. BLEU-4
    with sacrebleu's default exponential smoothing of zero n-gram counts.
    """
    return sacrebleu.corpus_bleu(hypotheses, [references], tokenize="none").score / 100


def _total(counts: Iterable[Counts]) -> Counts:
    return sum(counts, Counts(0, 0, 0, 0))


def summarise(scores: list[Score]) -> dict[str, float | int]:
    """Corpus rates, per-clip means and spreads, operation counts, BLEU, sentence accuracy."""
    if not scores:
        raise ValueError("no clips to summarise")
    words = _total(s.words for s in scores)
    chars = _total(s.chars for s in scores)
    cers = np.array([s.cer for s in scores])
    wers = np.array([s.wer for s in scores])
    return {
        "clips": len(scores),
        "cer": chars.rate,
        "wer": words.rate,
        "cer_mean": float(cers.mean()),
        "cer_std": float(cers.std()),
        "wer_mean": float(wers.mean()),
        "wer_std": float(wers.std()),
        "bleu": bleu([s.reference for s in scores], [s.hypothesis for s in scores]),
        "sentence_accuracy": sum(s.correct for s in scores) / len(scores),
        "char_substitutions": chars.substitutions,
        "char_deletions": chars.deletions,
        "char_insertions": chars.insertions,
        "reference_chars": chars.reference_length,
        "word_substitutions": words.substitutions,
        "word_deletions": words.deletions,
        "word_insertions": words.insertions,
        "reference_words": words.reference_length,
    }


def breakdown(groups: Iterable[str], scores: list[Score]) -> dict[str, dict[str, float | int]]:
    """:func:`summarise` per group (speaker, sentence), groups in sorted order."""
    members: dict[str, list[Score]] = {}
    for group, item in zip(groups, scores, strict=True):
        members.setdefault(group, []).append(item)
    return {group: summarise(members[group]) for group in sorted(members)}


def worst(scores: list[Score], count: int) -> list[int]:
    """Indices of the ``count`` clips with the highest CER (then WER), first index on ties."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i].cer, -scores[i].wer, i))
    return order[:count]


def confusion(scores: list[Score]) -> Counter:
    """(reference character, hypothesis character) -> count over the character alignments;
    :data:`NOTHING` on one side marks a deletion or an insertion."""
    return Counter(pair for s in scores for pair in s.char_pairs)
