"""Where the clips and their sentences are.

A dataset is ``<root>/s<k>/<ID>-<initials>.<ext>`` plus a sentence table ``ID -> text``, or
a GRID copy: ``<root>/s<k>/**/<code>.mpg`` whose names are their sentence IDs. The project's
sentence table is ``dataset.sentences`` plus, for the embedded corpus, the extra sentences it
also speaks (:func:`project_sentences`).
Discovery never drops a file silently: names that do not parse, unknown sentence IDs and
duplicate clips come back as :class:`Rejected` entries for the manifests.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import grammars, grid
from .errors import LipflowError
from .files import is_temporary
from .params import BUILTIN_PREFIX, GRID_SENTENCES, ITALIAN_GRAMMAR_SENTENCES, is_grid, is_synthetic

PACKAGE_DATA = ("resources",)
"""The built-in sentence tables: a stage that reads sentences depends on them."""
GRAMMARS = {GRID_SENTENCES: grid.GRAMMAR, ITALIAN_GRAMMAR_SENTENCES: grammars.ITALIAN}
"""The built-in tables a slot grammar generates."""
CLIP_NAME = re.compile(r"^(?P<sentence_id>[^-]+)-(?P<initials>.+)$")


class DatasetError(LipflowError, ValueError):
    """A sentence table that cannot be read."""


@dataclass(frozen=True)
class Clip:
    """One recording: ``key`` (``s<k>/<ID>-<initials>``) names it in every stage's outputs."""

    speaker: str
    name: str
    sentence_id: str
    source: Path

    @property
    def key(self) -> str:
        return f"{self.speaker}/{self.name}"


@dataclass(frozen=True)
class Rejected:
    """A file under the dataset root that is not a usable clip, and why."""

    path: Path
    key: str
    reason: str

    @property
    def speaker(self) -> str:
        """The speaker folder the file lies in; empty for a file at the top of the root."""
        return self.key.split("/")[0] if "/" in self.key else ""


def read_sentences(spec: str, base: Path = Path(".")) -> dict[str, str]:
    """Sentence table ``id -> text`` from ``builtin:<name>`` or a TSV file (columns id, text)."""
    if spec in GRAMMARS:
        return dict(_grammar_table(spec))
    if spec.startswith(BUILTIN_PREFIX):
        name = spec[len(BUILTIN_PREFIX):]
        text = resources.files("lipflow").joinpath(f"resources/sentences_{name}.tsv").read_text(encoding="utf-8")
    else:
        try:
            text = (base / spec).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise DatasetError(f"{spec}: not UTF-8 (byte {error.start}); save the sentence table as UTF-8, "
                               "e.g. iconv -f latin1 -t utf-8") from None
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    if not rows or not {"id", "text"} <= set(rows[0]):
        raise DatasetError(f"{spec}: a sentence table needs a header with columns 'id' and 'text'")
    return {row["id"].strip(): row["text"].strip() for row in rows}


@lru_cache(maxsize=2)
def _grammar_table(spec: str) -> dict[str, str]:
    return grammars.sentences(GRAMMARS[spec])


def extra_sentences(params: dict, base: Path = Path(".")) -> dict[str, str]:
    """``synth.extra_sentences``: what the embedded Italian corpus says besides ``dataset.sentences``
    (``{}`` when null, and for recordings, which the synth stage does not make). The GRID-like
    corpus says GRID sentences only, so it refuses a file."""
    spec = params["synth"]["extra_sentences"]
    if spec is None or not is_synthetic(params):
        return {}
    if is_grid(params):
        raise DatasetError("synth.extra_sentences: the GRID-like corpus says sentences of the GRID grammar only; "
                           f"set it to null for dataset.kind {params['dataset']['kind']}")
    return read_sentences(spec, base)


def sentence_tables(params: dict, base: Path = Path(".")) -> tuple[dict[str, str], dict[str, str]]:
    """``dataset.sentences`` and :func:`extra_sentences`, apart; an ID in both is refused."""
    table = read_sentences(params["dataset"]["sentences"], base)
    extra = extra_sentences(params, base)
    both = [sentence_id for sentence_id in extra if sentence_id in table]
    if both:
        raise DatasetError(f"synth.extra_sentences: ID(s) {', '.join(map(repr, both))} already in the sentence "
                           f"table {params['dataset']['sentences']}")
    return table, extra


def project_sentences(params: dict, base: Path = Path(".")) -> dict[str, str]:
    """The project's sentence table: ``dataset.sentences``, then the extra sentences of the
    embedded corpus. Discovery, labels and the synth plan all read this one table."""
    table, extra = sentence_tables(params, base)
    return {**table, **extra}


def video_files(root: Path, extensions: list[str]) -> tuple[list[Path], list[Rejected]]:
    """Files with a video extension under ``root`` (symlinked folders are not entered; a take the
    recorder is still writing is not there yet), and the symlinks among them that are never read: one leading outside
    the root (a stage would read and copy a file the user did not put in the dataset) and one leading nowhere."""
    wanted, real_root = {e.lower() for e in extensions}, root.resolve()
    paths, rejected = [], []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lstrip(".").lower() in wanted and not is_temporary(p)):
        key = path.relative_to(root).with_suffix("").as_posix()
        if path.is_symlink() and not path.exists():
            rejected.append(Rejected(path, key, "a symlink that leads nowhere (broken or a loop): not read"))
        elif path.is_file() and not path.resolve().is_relative_to(real_root):
            rejected.append(Rejected(path, key, "a symlink to a file outside the dataset root: not read"))
        elif path.is_file():
            paths.append(path)
    return paths, rejected


def discover(root: Path, extensions: list[str], sentences: dict[str, str]) -> tuple[list[Clip], list[Rejected]]:
    """All clips under ``root`` in a stable order, and every file that could not be one."""
    root = Path(root)
    clips: dict[str, Clip] = {}
    paths, rejected = video_files(root, extensions)
    for path in paths:
        relative = path.relative_to(root)
        key = relative.with_suffix("").as_posix()
        if len(relative.parts) != 2 or not grid.SPEAKER_DIR.match(relative.parts[0]):
            rejected.append(Rejected(path, key, "not in a speaker folder s<k>/ directly under the dataset root"))
            continue
        match = CLIP_NAME.match(path.stem)
        if not match:
            rejected.append(Rejected(path, key, "file name is not <ID>-<initials>.<ext>"))
            continue
        clip = Clip(relative.parts[0], path.stem, match["sentence_id"], path)
        if clip.sentence_id not in sentences:
            rejected.append(Rejected(path, key, f"sentence ID {clip.sentence_id!r} is not in the sentence table"))
        elif clip.key in clips:
            rejected.append(Rejected(path, key, f"duplicate clip: {clips[clip.key].source.name} has the same name"))
        else:
            clips[clip.key] = clip
    return list(clips.values()), rejected


def discover_grid(root: Path, extensions: list[str], sentences: dict[str, str]) -> tuple[list[Clip], list[Rejected]]:
    """GRID clips: videos anywhere under ``<root>/s<k>/`` (``s1/bbaf2n.mpg`` or
    ``s1/video/mpg_6000/bbaf2n.mpg``) named by their sentence code; alignment folders are not
    searched. A gap in the speaker numbers (GRID's s21) is reported as a rejected speaker."""
    root = Path(root)
    clips: dict[str, Clip] = {}
    paths, rejected = video_files(root, extensions)
    numbers = []
    for path in paths:
        relative = path.relative_to(root)
        speaker = relative.parts[0]
        if len(relative.parts) < 2 or not grid.SPEAKER_DIR.match(speaker):
            rejected.append(Rejected(path, relative.with_suffix("").as_posix(),
                                     "not under a speaker folder s<k>/ of the dataset root"))
            continue
        key = f"{speaker}/{path.stem}"
        if not grid.is_name(path.stem) or path.stem not in sentences:
            rejected.append(Rejected(path, key, "file name is not a GRID sentence code "
                                                "(command colour preposition letter digit adverb, e.g. bbaf2n)"))
        elif key in clips:
            rejected.append(Rejected(path, key, f"duplicate clip: {clips[key].source} has the same name"))
        else:
            clips[key] = Clip(speaker, path.stem, path.stem, path)
            numbers.append(grid.speaker_number(speaker))
    for number in range(1, max(numbers, default=0) + 1):
        speaker = f"s{number}"
        if number not in numbers:
            known = " (GRID has no video of this speaker)" if speaker in grid.MISSING_SPEAKERS else ""
            rejected.append(Rejected(root / speaker, speaker, f"no clips of speaker {speaker}{known}"))
    return list(clips.values()), rejected
