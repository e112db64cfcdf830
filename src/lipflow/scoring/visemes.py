"""Viseme error rate: the errors left once letters that look alike on the lips are merged.

A lip reader cannot see voicing or nasality, so /p/, /b/ and /m/ look the same; CER
charges it for confusions no reader could avoid. Scoring on viseme classes (groups of
sounds with one mouth shape) separates those from errors a better model could fix, and
the class confusions are what lip-reading papers discuss.

The classes are the IBM viseme set of Neti et al. (2000), *Audio-Visual Speech
Recognition*, Final Workshop 2000 Report, Center for Language and Speech Processing,
Johns Hopkins University (table reproduced in Potamianos et al. (2003), "Recent advances
in the automatic recognition of audiovisual speech", Proc. IEEE 91(9): 1306-1326):
four vowel classes V1-V4, consonant classes A-H and silence S, defined on English
phonemes.

Labels here are letters (:data:`lipflow.text.ALPHABET`: normalised Italian and English
text), not phonemes, so this is a **letter-to-viseme approximation**: each letter takes
the class of the phoneme it most often spells. It is wrong where spelling and sound part:
Italian c/g before e/i (palato-alveolar, counted as velar), silent h, English digraphs
(th, sh, ch) and English vowel letters, which spell many vowels. No single letter spells
Neti's dental class F (/th/, /dh/), so it has no letters here. The space between words
keeps a class of its own (the analogue of Neti's silence S).
"""

from __future__ import annotations

from collections import Counter

import jiwer

from .. import text
from . import metrics
from .metrics import NOTHING, Counts, Score

SPACE = "space"

CLASSES: dict[str, str] = {
    # Neti et al. (2000) class, its phonemes, and the letters given it here.
    "open_vowel": "ah",            # V1: /ao ah aa er oy aw hh/; Neti puts /hh/ here too
    "rounded_vowel": "ou",         # V2: /uw uh ow/
    "mid_spread_vowel": "e",       # V3: /ae eh ey ay/
    "close_spread_vowel": "i",     # V4: /ih iy ax/
    "alveolar_semivowel": "lry",   # A: /l el r y/ (y as in "yes")
    "alveolar_fricative": "sz",    # B: /s z/
    "alveolar": "tdn",             # C: /t d n en/
    "palato_alveolar": "j",        # D: /sh zh ch jh/ (j as in "jam")
    "bilabial": "pbm",             # E: /p b m/
    "labiodental": "fv",           # G: /f v/
    "velar": "kgcqxw",             # H: /ng k g w/; c, q spell /k/, x /ks/; Neti puts /w/ here
    SPACE: " ",
}
"""Viseme class name -> the label letters in it; every :data:`~lipflow.text.ALPHABET`
character is in exactly one class."""

LETTER_CLASS: dict[str, str] = {letter: name for name, letters in CLASSES.items() for letter in letters}


def to_visemes(label: str) -> list[str]:
    """The viseme class of each character of a normalised label."""
    try:
        return [LETTER_CLASS[c] for c in label]
    except KeyError:
        raise text.TextError(f"label {label!r} is not normalised (only a-z and single spaces)") from None


def score(reference: str, hypothesis: str) -> Counts:
    """Edit operations aligning the hypothesis's viseme classes to the reference's.

    Both sides must already be normalised (as :class:`~lipflow.scoring.metrics.Score`
    keeps them). The class sequences are aligned afresh by jiwer, as metrics aligns
    characters, with one class name per token, so a substitution between two letters of
    one class costs nothing and the viseme errors never exceed the character errors.
    """
    if not reference:
        raise ValueError("reference is empty: nothing to score against")
    tokens = (" ".join(to_visemes(side)) for side in (reference, hypothesis))
    return metrics._counts(jiwer.process_words(*tokens))


def summarise(scores: list[Score]) -> dict[str, float | int]:
    """Corpus viseme error rate (all viseme edits / all reference characters) and its counts."""
    if not scores:
        raise ValueError("no clips to summarise")
    counts = metrics._total(score(s.reference, s.hypothesis) for s in scores)
    return {
        "clips": len(scores),
        "ver": counts.rate,
        "viseme_substitutions": counts.substitutions,
        "viseme_deletions": counts.deletions,
        "viseme_insertions": counts.insertions,
        "reference_visemes": counts.reference_length,
    }


def _class(character: str) -> str:
    return NOTHING if character == NOTHING else to_visemes(character)[0]


def confusion(scores: list[Score]) -> Counter:
    """(reference class, hypothesis class) -> count, from metrics' character alignments.

    Each aligned character pair is mapped through :data:`CLASSES` (:data:`NOTHING` stays
    NOTHING for deletions and insertions), so the counts sum to the aligned pairs and
    homophenous substitutions (p for b) land on the diagonal.
    """
    counts: Counter = Counter()
    for (ref, hyp), n in metrics.confusion(scores).items():
        counts[_class(ref), _class(hyp)] += n
    return counts

