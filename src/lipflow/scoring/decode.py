"""CTC logits -> sentences, by greedy search, beam search and beam search + word snap.

Blank is class 0 (:data:`lipflow.text.BLANK`) in every decoder; ``keras.ops.ctc_decode``
moves it where TensorFlow's beam search wants it. The closed-vocabulary snap is its own
decoder (``beam_snap``), so a report never mixes what the model read with what the word
list corrected.
"""

from __future__ import annotations

from collections.abc import Iterable

import editdistance
import keras
import numpy as np

from .. import text
from .decoders import BEAM, BEAM_SNAP, GREEDY

PADDING = -1
"""What ``keras.ops.ctc_decode`` writes after the end of a decoded sequence."""


def _lengths(logits: np.ndarray) -> np.ndarray:
    """Every clip uses all its frames: the mouth stage gives every clip the model's T."""
    return np.full(logits.shape[0], logits.shape[1], dtype="int32")


def _strings(decoded) -> list[str]:
    """Class indices -> text; spaces collapsed because CTC may emit them anywhere."""
    rows = keras.ops.convert_to_numpy(decoded)[0]
    return [" ".join(text.decode(row[row != PADDING]).split()) for row in rows]


def greedy(logits: np.ndarray) -> list[str]:
    """Best class per frame, repeats merged, blanks dropped. ``logits``: (B, T, 28)."""
    decoded, _ = keras.ops.ctc_decode(
        logits, _lengths(logits), strategy="greedy", mask_index=text.BLANK
    )
    return _strings(decoded)


def beam(logits: np.ndarray, beam_width: int) -> list[str]:
    """Most probable label sequence among ``beam_width`` prefix beams."""
    decoded, _ = keras.ops.ctc_decode(
        logits, _lengths(logits), strategy="beam_search", beam_width=beam_width,
        top_paths=1, mask_index=text.BLANK,
    )
    return _strings(decoded)


def vocabulary(sentences: Iterable[str], language: str) -> tuple[str, ...]:
    """The normalised words of a sentence table, sorted (the snap's tie order)."""
    return tuple(sorted({word for sentence in sentences for word in text.words(sentence, language)}))


def snap_word(word: str, words: tuple[str, ...]) -> str:
    """The nearest corpus word by edit distance; ties go to the alphabetically first."""
    return min(words, key=lambda candidate: (editdistance.eval(word, candidate), candidate))


def snap(sentence: str, words: tuple[str, ...]) -> str:
    return " ".join(snap_word(word, words) for word in sentence.split())


def decode(logits: np.ndarray, beam_width: int, words: tuple[str, ...] | None) -> dict[str, list[str]]:
    """Every decoder's sentences for a batch; ``beam_snap`` only when ``words`` is given."""
    logits = np.asarray(logits, dtype="float32")
    result = {GREEDY: greedy(logits), BEAM: beam(logits, beam_width)}
    if words is not None:
        result[BEAM_SNAP] = [snap(sentence, words) for sentence in result[BEAM]]
    return result
