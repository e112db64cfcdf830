"""The GRID corpus: its grammar, its file names and where its alignments really are.

A GRID clip's name spells its sentence, one character a word (``bbaf2n`` = "bin blue at f
two now"), so every shipped ``.align`` file can be checked against its video's name. Some
distributions put a speaker's alignments in another speaker's folder (s19's in s18, s32's
and s33's swapped...): :func:`alignment_sources` finds, for every speaker, the folder whose
file names match that speaker's videos, so misplaced folders are remapped, not trusted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import alignfile, grammars
from .errors import LipflowError, StageError

COMMANDS = {"b": "bin", "l": "lay", "p": "place", "s": "set"}
COLOURS = {"b": "blue", "g": "green", "r": "red", "w": "white"}
PREPOSITIONS = {"a": "at", "b": "by", "i": "in", "w": "with"}
LETTERS = {c: c for c in "abcdefghijklmnopqrstuvxyz"}          # GRID has no letter w
DIGITS = {"z": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
          "7": "seven", "8": "eight", "9": "nine"}
ADVERBS = {"a": "again", "n": "now", "p": "please", "s": "soon"}
GRAMMAR = (COMMANDS, COLOURS, PREPOSITIONS, LETTERS, DIGITS, ADVERBS)
"""One code character -> word table per position of ``command colour preposition letter digit adverb``."""

NAME = re.compile("^" + "".join(f"[{''.join(sorted(table))}]" for table in GRAMMAR) + "$")
SPEAKER_DIR = re.compile(r"^s(?P<number>\d+)$")
ALIGN_SUFFIX = ".align"
FPS = 25
FRAMES = 75
"""A GRID clip is 3 s at 25 fps."""
MISSING_SPEAKERS = ("s21",)
"""Speakers the GRID distribution does not have (s21's video was never released)."""


class GridError(LipflowError, ValueError):
    """A name that is not a GRID sentence code."""


def is_name(name: str) -> bool:
    return bool(NAME.match(name))


def words(name: str) -> list[str]:
    """The sentence a GRID file name spells."""
    if not is_name(name):
        raise GridError(f"{name!r} is not a GRID sentence code (command colour preposition letter digit adverb)")
    return [table[char] for table, char in zip(GRAMMAR, name, strict=True)]


def sentence(name: str) -> str:
    return " ".join(words(name))


def name_of(sentence_words: list[str]) -> str:
    """The file name of a GRID sentence (the inverse of :func:`words`)."""
    code = []
    for position, (table, word) in enumerate(zip(GRAMMAR, sentence_words, strict=False)):
        found = [char for char, spelt in table.items() if spelt == word]
        if not found:
            raise GridError(f"word {position + 1} of {' '.join(sentence_words)!r} is not in the GRID grammar")
        code.append(found[0])
    if len(sentence_words) != len(GRAMMAR):
        raise GridError(f"{' '.join(sentence_words)!r} has {len(sentence_words)} words; GRID sentences have 6")
    return "".join(code)


@lru_cache(maxsize=1)
def sentence_table() -> dict[str, str]:
    """Every GRID sentence (64,000) by its code: the ``builtin:grid`` sentence table."""
    return grammars.sentences(GRAMMAR)


def speaker_number(speaker: str) -> int:
    match = SPEAKER_DIR.match(speaker)
    if not match:
        raise GridError(f"{speaker!r} is not a speaker folder name s<k>")
    return int(match["number"])


def align_folder_candidates(root: Path, speaker: str) -> list[Path]:
    """Where GRID distributions keep a speaker's alignments, in the order they are tried."""
    root = Path(root)
    return [root / speaker / "align", root / "align" / speaker, root / "alignments" / speaker]


def align_folders(root: Path, speakers: list[str]) -> dict[str, Path]:
    """Speaker -> the folder holding the alignments filed under that speaker (when one exists)."""
    found = {}
    for speaker in speakers:
        for folder in align_folder_candidates(root, speaker):
            if folder.is_dir():
                found[speaker] = folder
                break
    return found


@dataclass(frozen=True)
class AlignmentSource:
    """Where a speaker's alignments are read from; ``filed_under`` differs from the speaker when remapped."""

    speaker: str
    folder: Path | None
    filed_under: str | None
    matching: int
    videos: int

    @property
    def remapped(self) -> bool:
        return self.filed_under is not None and self.filed_under != self.speaker

    def describe(self) -> str:
        if self.folder is None:
            return f"no alignment folder matches {self.speaker}'s videos"
        where = f"{self.filed_under}'s folder {self.folder}"
        return f"{self.speaker}'s alignments found in {where} ({self.matching} of {self.videos} names match)"


def alignment_sources(videos: dict[str, set[str]], folders: dict[str, set[str]],
                      folder_paths: dict[str, Path]) -> dict[str, AlignmentSource]:
    """For every speaker, the alignment folder whose file names overlap its video names most.

    ``videos`` and ``folders`` map a speaker to the clip names it has and to the ``.align``
    names filed under it. A speaker's own folder wins ties; a folder that matches no video of
    the speaker is never chosen. Names of two speakers overlap by chance only a little (each
    says 1,000 of 64,000 sentences), so a folder filed under the wrong speaker stands out.
    """
    sources = {}
    for speaker, names in sorted(videos.items()):
        overlap = Counter({owner: len(names & aligned) for owner, aligned in folders.items()})
        best = max(overlap.values(), default=0)
        if best == 0:
            sources[speaker] = AlignmentSource(speaker, None, None, 0, len(names))
            continue
        owner = speaker if overlap.get(speaker) == best else sorted(o for o, n in overlap.items() if n == best)[0]
        sources[speaker] = AlignmentSource(speaker, folder_paths[owner], owner, best, len(names))
    return sources


@lru_cache(maxsize=1)
def _filed_alignments(root: Path) -> tuple[dict[str, Path], dict[str, set[str]]]:
    """Every alignment folder under a GRID root by the speaker it is filed under, and its names."""
    speakers = sorted({p.name for parent in (root, root / "align", root / "alignments") if parent.is_dir()
                       for p in parent.iterdir() if SPEAKER_DIR.match(p.name)})
    folders = align_folders(root, speakers)
    return folders, {s: {p.stem for p in f.glob(f"*{ALIGN_SUFFIX}")} for s, f in folders.items()}


@lru_cache(maxsize=64)
def speaker_source(root: Path, speaker: str) -> AlignmentSource:
    """Cached per process: a batch run resolves each speaker once, not once per clip."""
    names = {p.stem for p in (root / speaker).rglob("*")
             if p.suffix != ALIGN_SUFFIX and is_name(p.stem) and p.is_file()}
    folders, filed = _filed_alignments(root)
    return alignment_sources({speaker: names}, filed, folders)[speaker]


def shipped_alignment(root: Path, speaker: str, name: str) -> tuple[Path, AlignmentSource]:
    """Where a GRID clip's .align file is, its speaker's folder remapped when misplaced."""
    source = speaker_source(Path(root), speaker)
    if source.folder is None:
        looked = ", ".join(map(str, align_folder_candidates(root, speaker)))
        raise StageError(f"{source.describe()} (looked in {looked} and every other speaker's folder)")
    path = source.folder / f"{name}{ALIGN_SUFFIX}"
    if not path.is_file():
        raise StageError(f"no {path.name} in {path.parent}, the folder that holds {source.describe()}")
    return path, source


def checked_segments(path: Path, name: str, frames: int) -> list[alignfile.Segment]:
    """A shipped alignment, refused unless it says the sentence ``name`` spells within ``frames``."""
    try:
        segments = alignfile.read_align(path)
    except alignfile.AlignError as error:
        raise StageError(f"{path}: {error}") from None
    spoken, expected = alignfile.spoken_words(segments), words(name)
    if spoken != expected:
        raise StageError(f"{path} says {' '.join(spoken)!r}, but the name {name} spells {' '.join(expected)!r}")
    last = max(s.end for s in segments) / alignfile.FRAME_UNIT
    if last > frames + 1:
        raise StageError(f"{path} ends at frame {last:g}, after the clip's {frames} frames")
    return segments
