"""The one text normaliser and the CTC label codec.

Every label in lipflow (aeneas fragments, .align words, training targets, evaluation
references and hypotheses) goes through :func:`normalise`, so that a perfect lip reader
scores exactly zero error.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

from num2words import num2words

from .errors import LipflowError

# ISO 639-3 codes (what aeneas and espeak-ng use) -> num2words language codes.
NUMBER_LANGUAGES = {
    "ita": "it",
    "eng": "en",
    "fra": "fr",
    "deu": "de",
    "spa": "es",
    "por": "pt",
}

APOSTROPHES = "'’‘`´"
BLANK = 0
ALPHABET = "abcdefghijklmnopqrstuvwxyz "
"""Output classes after the CTC blank: index ``i + 1`` is ``ALPHABET[i]``; 28 classes in all."""
NUM_CLASSES = len(ALPHABET) + 1

_DIGITS = re.compile(r"\d+")
_NOT_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


class TextError(LipflowError, ValueError):
    """A sentence that cannot become a label."""


def number_language(language: str) -> str:
    try:
        return NUMBER_LANGUAGES[language]
    except KeyError:
        raise TextError(
            f"language {language!r} has no number spelling; supported: {', '.join(sorted(NUMBER_LANGUAGES))}"
        ) from None


def normalise(sentence: str, language: str = "ita") -> str:
    """Lower-case ASCII words separated by single spaces.

    Rules, in order: digits are spelled out in ``language`` (10 -> dieci); apostrophes and
    hyphens become spaces (all'autista -> all autista); accents are transliterated
    (è -> e); everything that is not a letter is removed; spaces are collapsed.
    """
    words_lang = number_language(language)
    text = _DIGITS.sub(lambda m: f" {num2words(int(m.group()), lang=words_lang)} ", sentence)
    text = text.translate({ord(c): " " for c in APOSTROPHES + "-‐–—"})
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_LETTER.sub("", _SPACES.sub(" ", text))
    return _SPACES.sub(" ", text).strip()


def words(sentence: str, language: str = "ita") -> list[str]:
    return normalise(sentence, language).split()


def encode(label: str) -> list[int]:
    """Class indices of a normalised label (blank is 0, so letters start at 1)."""
    try:
        return [ALPHABET.index(c) + 1 for c in label]
    except ValueError:
        raise TextError(f"label {label!r} is not normalised (only a-z and single spaces)") from None


def decode(indices) -> str:
    return "".join(ALPHABET[i - 1] for i in indices if i != BLANK)


def ctc_min_frames(label: str) -> int:
    """Frames CTC needs to emit ``label``: one per character plus a blank between repeats."""
    repeats = sum(1 for a, b in pairwise(label) if a == b)
    return len(label) + repeats
