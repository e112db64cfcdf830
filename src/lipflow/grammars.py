"""Slot grammars in the spirit of GRID: one code character per word, a sentence per code.

GRID (``command colour preposition letter digit adverb``) names a clip by its sentence
(``bbaf2n`` = "bin blue at f two now"); :data:`ITALIAN` is the same design in Italian, so the
embedded corpus can say thousands of distinct sentences built from a few dozen words, and a
sentence-disjoint split tests unseen combinations of seen words, as GRID's does.
"""

from __future__ import annotations

import itertools

import numpy as np

Grammar = tuple[dict[str, str], ...]
"""One code character -> word table per slot, in sentence order."""

ITALIAN_COMMANDS = {"l": "lascia", "m": "metti", "p": "prendi", "s": "sposta"}
ITALIAN_COLOURS = {"b": "blu", "g": "giallo", "r": "rosso", "v": "verde"}
ITALIAN_PREPOSITIONS = {"c": "con", "i": "in", "s": "su", "t": "tra"}
ITALIAN_LETTERS = {
    "a": "a", "b": "bi", "c": "ci", "d": "di", "e": "e", "f": "effe", "g": "gi", "h": "acca", "i": "i",
    "l": "elle", "m": "emme", "n": "enne", "o": "o", "p": "pi", "q": "cu", "r": "erre", "s": "esse",
    "t": "ti", "u": "u", "v": "vu", "z": "zeta",
}
"""The 21 letters of the Italian alphabet, by their spoken names."""
ITALIAN_DIGITS = {"z": "zero", "1": "uno", "2": "due", "3": "tre", "4": "quattro", "5": "cinque", "6": "sei",
                  "7": "sette", "8": "otto", "9": "nove"}
ITALIAN_ADVERBS = {"a": "ancora", "o": "ora", "p": "piano", "s": "subito"}
ITALIAN: Grammar = (ITALIAN_COMMANDS, ITALIAN_COLOURS, ITALIAN_PREPOSITIONS, ITALIAN_LETTERS, ITALIAN_DIGITS,
                    ITALIAN_ADVERBS)
"""``comando colore preposizione lettera cifra avverbio``: 4 x 4 x 4 x 21 x 10 x 4 = 53 760 sentences."""


def sentences(grammar: Grammar) -> dict[str, str]:
    """Every sentence of ``grammar`` by its code, in code order."""
    return {"".join(chars): " ".join(table[c] for table, c in zip(grammar, chars, strict=True))
            for chars in itertools.product(*(sorted(table) for table in grammar))}


def balanced(grammar: Grammar, count: int, seed: int) -> list[str]:
    """``count`` distinct codes in which every word of a slot occurs as often as the others (give or take one).

    Each slot walks through its words in a fresh random order, one pass after another, so a
    rare word (a letter) still occurs in ``count / 21`` sentences: holding some sentences out
    leaves every word in the rest, which is what a test of unseen sentences needs.
    """
    size = int(np.prod([len(table) for table in grammar]))
    if not 1 <= count <= size:
        raise ValueError(f"a grammar of {size} sentences cannot give {count}")
    if count == size:  # the one balanced draw of every sentence, which a search would find last
        return sorted(sentences(grammar))
    rng = np.random.default_rng(seed)
    columns = []
    for table in grammar:
        chars = sorted(table)
        passes = -(-count // len(chars))
        columns.append([chars[i] for _ in range(passes) for i in rng.permutation(len(chars))][:count])
    rows = [list(row) for row in zip(*columns, strict=True)]
    codes: set[str] = set()
    for index, row in enumerate(rows):
        while "".join(row) in codes:
            _swap_one_word(rows, index, codes, rng)
        codes.add("".join(row))
    return sorted(codes)


def _swap_one_word(rows: list[list[str]], index: int, codes: set[str], rng: np.random.Generator) -> None:
    """Swap one random slot's word between a repeated row and another random row.

    A swap, not a new word, so every slot keeps its counts (a random new word once left one
    word three uses past another). A row not reached yet is checked when it is; one already
    taken (in ``codes``) must stay distinct, or the swap is not made.
    """
    other, slot = int(rng.integers(len(rows))), int(rng.integers(len(rows[index])))
    mine, theirs = rows[index][:], rows[other][:]
    mine[slot], theirs[slot] = theirs[slot], mine[slot]
    if other < index:
        taken, retaken = "".join(rows[other]), "".join(theirs)
        if retaken in codes or retaken == "".join(mine):
            return
        codes.remove(taken)
        codes.add(retaken)
    rows[index][:], rows[other][:] = mine, theirs
