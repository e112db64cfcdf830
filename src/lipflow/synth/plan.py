"""Which clips the embedded corpus has, from the params alone (the corpus need not exist yet:
the Snakefile plans one job per clip before any is made), and where each clip's files go."""

from __future__ import annotations

import re
from pathlib import Path

from .. import grammars, grid
from ..datasets import GRAMMARS, extra_sentences, sentence_tables
from ..errors import StageError
from ..layout import TRUTH_SUFFIX
from ..params import is_grid
from . import corpus

VIDEO_SUFFIX = ".mpg"
PLANNED_NAME = re.compile(r"^s(?P<speaker>\d+)/(?P<sentence_id>[^-/]+)-(?P<initials>[A-Z]+)$")
GRID_PLANNED_NAME = re.compile(r"^s(?P<speaker>\d+)/(?P<sentence_id>[^-/]+)$")
ALIGN_FOLDER = "align"


def sentences(params: dict, base: Path = Path(".")) -> dict[str, str]:
    """The sentences to speak: the chosen IDs of ``dataset.sentences``, then every extra sentence
    (:func:`lipflow.datasets.sentence_tables`, the two halves of the project's sentence table)."""
    table, extra = sentence_tables(params, base)
    chosen = params["synth"]["sentence_ids"]
    if chosen == "all":
        result = dict(table)
    else:
        missing = [str(i) for i in chosen if str(i) not in table]
        if missing:
            raise StageError(f"synth.sentence_ids: not in the sentence table: {', '.join(missing)}")
        result = {str(i): table[str(i)] for i in chosen}
    result.update(extra)
    bad = [i for i in result if "-" in i or "/" in i or not i]
    if bad:
        raise StageError(f"sentence IDs cannot be empty or hold '-' or '/': {bad}")
    return result


def spoken_sentences(params: dict, base: Path = Path(".")) -> dict[int, list[str]]:
    """Speaker index -> the sentence IDs that speaker says, from params alone.

    The candidates are the chosen sentences (:func:`sentences`; for the GRID-like corpus
    GRID's grammar), or ``synth.sentence_pool`` of them drawn from a grammar table so that every
    word occurs about equally often (:func:`lipflow.grammars.balanced`); each speaker says
    all of them, or ``synth.sentences_per_speaker`` drawn from (seed, speaker index)
    (:func:`lipflow.synth.corpus.drawn_sentences`).
    """
    seed, synth = params["seed"], params["synth"]
    if is_grid(params):
        extra_sentences(params, base)  # refuses synth.extra_sentences: the GRID grammar only
        candidates = list(grid.sentence_table())
    else:
        candidates = list(sentences(params, base))
    if synth["sentence_pool"] is not None:
        grammar = GRAMMARS[params["dataset"]["sentences"]]
        try:
            pool = grammars.balanced(grammar, synth["sentence_pool"], seed)
        except ValueError as error:
            raise StageError(f"synth.sentence_pool: {error}") from None
        candidates = [code for code in pool if code in set(candidates)]
    count = synth["sentences_per_speaker"]
    speakers = range(1, synth["speakers"] + 1)
    if count is None:
        return {k: candidates for k in speakers}
    try:
        return {k: corpus.drawn_sentences(seed, k, candidates, count) for k in speakers}
    except corpus.SynthError as error:
        raise StageError(f"synth.sentences_per_speaker: {error}") from None


def planned_clips(params: dict, base: Path = Path(".")) -> list[str]:
    """Relative paths of every clip the generator writes, from params alone.

    ``s1/0-AB.mpg`` for the Italian corpus, ``s1/bbaf2n.mpg`` for the GRID-like one: one clip per
    sentence each speaker says (:func:`spoken_sentences`).
    """
    spoken = spoken_sentences(params, base)
    if is_grid(params):
        return [f"s{k}/{code}{VIDEO_SUFFIX}" for k, codes in spoken.items() for code in codes]
    return [f"s{k}/{sentence_id}-{corpus.initials(params['seed'], k)}{VIDEO_SUFFIX}"
            for k, ids in spoken.items() for sentence_id in ids]


def key_of(relpath: str) -> str:
    return relpath[:-len(VIDEO_SUFFIX)] if relpath.endswith(VIDEO_SUFFIX) else relpath


def parse_key(params: dict, key: str) -> re.Match | None:
    return (GRID_PLANNED_NAME if is_grid(params) else PLANNED_NAME).match(key)


def text_of(params: dict, sentence_id: str, base: Path) -> str:
    """The sentence a clip says ("" for an ID that is not one)."""
    if is_grid(params):
        return grid.sentence(sentence_id) if grid.is_name(sentence_id) else ""
    return sentences(params, base).get(sentence_id, "")


def truth_path(root: Path, key: str) -> Path:
    return Path(root) / f"{key}{TRUTH_SUFFIX}"


def alignment_folders(params: dict) -> dict[int, int]:
    """GRID-like corpus: speaker index -> the speaker whose ``align/`` folder gets its alignments.

    Each pair ``[a, b]`` of ``synth.grid_misplaced_alignments`` swaps the two folders; a pair
    naming a speaker beyond ``synth.speakers`` does nothing. A speaker may be in one pair only.
    """
    count = params["synth"]["speakers"]
    folders = {k: k for k in range(1, count + 1)}
    seen: set[int] = set()
    for a, b in params["synth"]["grid_misplaced_alignments"]:
        twice = sorted({a, b} & seen)
        if twice:
            raise StageError(f"synth.grid_misplaced_alignments: speaker {twice[0]} is in more than one place "
                             "(each speaker's folder can be swapped with one other)")
        seen |= {a, b}
        if a <= count and b <= count:
            folders[a], folders[b] = b, a
    return folders


def align_path(params: dict, root: Path, key: str, folders: dict[int, int] | None = None) -> Path:
    """Where a GRID-like clip's ``.align`` goes: ``s<k>/align/<code>.align``, in the partner's folder if swapped."""
    speaker, code = key.split("/")
    number = grid.speaker_number(speaker)
    folder = (folders if folders is not None else alignment_folders(params)).get(number, number)
    return Path(root) / f"s{folder}" / ALIGN_FOLDER / f"{code}{grid.ALIGN_SUFFIX}"
