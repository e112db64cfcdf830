"""Stage 0: the embedded corpus: synthetic speakers saying the sentences, with ground truth.

``dataset.kind: synthetic`` writes Italian speakers as ``<dataset.root>/s<k>/<ID>-<initials>.mpg``
(WebM or MP4 inside, like the original browser recorder) and ``<ID>-<initials>.truth.json``
beside it. ``dataset.kind: grid_synthetic`` writes a GRID-like corpus instead: English
speakers saying ``synth.grid_clips_per_speaker`` GRID sentences each, as
``s<k>/<code>.mpg`` (3 s, 25 fps, MPEG-1 + MP2 like GRID's files), ``s<k>/<code>.truth.json``
and the true GRID alignment ``s<k>/align/<code>.align``, except that the speaker pairs of
``synth.grid_misplaced_alignments`` have their ``align/`` folders swapped, like the known
faults of GRID's distribution. ``synth.duration``, ``synth.sentence_ids`` and the Italian
speakers' random frame rates and encodings do not apply to it. Every clip leaves a record in
``data/synth`` so a batch run resumes and a failed clip is reported, never lost.
"""

from __future__ import annotations

import re
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from .. import alignfile, grid
from ..datasets import Clip, read_sentences
from ..files import atomic_path, write_json, write_text
from ..layout import code_hash, stage_dir
from ..params import fingerprint, is_grid  # is_grid: dataset.kind in GRID_KINDS (grid_synthetic here)
from ..records import Manifest, Record, StageError, build_manifest, record_path, run_clip, write_manifest
from ..synth import corpus, face, speech, visemes

NAME = "synth"
VIDEO_SUFFIX = ".mpg"
TRUTH_SUFFIX = ".truth.json"
PLANNED_NAME = re.compile(r"^s(?P<speaker>\d+)/(?P<sentence_id>[^-/]+)-(?P<initials>[A-Z]+)$")
GRID_PLANNED_NAME = re.compile(r"^s(?P<speaker>\d+)/(?P<sentence_id>[^-/]+)$")
ALIGN_FOLDER = "align"


def sentences(params: dict, base: Path = Path(".")) -> dict[str, str]:
    """The sentences to speak: the chosen IDs of the table, then every extra sentence."""
    table = read_sentences(params["dataset"]["sentences"], base)
    chosen = params["synth"]["sentence_ids"]
    if chosen == "all":
        result = dict(table)
    else:
        missing = [str(i) for i in chosen if str(i) not in table]
        if missing:
            raise StageError(f"synth.sentence_ids: not in the sentence table: {', '.join(missing)}")
        result = {str(i): table[str(i)] for i in chosen}
    extra = params["synth"]["extra_sentences"]
    if extra is not None:
        for sentence_id, text in read_sentences(extra, base).items():
            if sentence_id in table:
                raise StageError(f"synth.extra_sentences: ID {sentence_id!r} is already in the sentence table")
            result[sentence_id] = text
    bad = [i for i in result if "-" in i or "/" in i or not i]
    if bad:
        raise StageError(f"sentence IDs cannot be empty or hold '-' or '/': {bad}")
    return result


def planned_clips(params: dict, base: Path = Path(".")) -> list[str]:
    """Relative paths of every clip the generator writes, from params alone.

    ``s1/0-AB.mpg`` for the Italian corpus (every chosen sentence per speaker); for the
    GRID-like one ``s1/bbaf2n.mpg``, ``synth.grid_clips_per_speaker`` codes per speaker drawn
    from (seed, speaker index) (:func:`lipflow.synth.corpus.grid_codes`).
    """
    seed = params["seed"]
    speakers = range(1, params["synth"]["speakers"] + 1)
    if is_grid(params):
        if params["synth"]["extra_sentences"] is not None:
            raise StageError("synth.extra_sentences: the GRID-like corpus says sentences of the GRID grammar only; "
                             "set it to null for dataset.kind grid_synthetic")
        count = params["synth"]["grid_clips_per_speaker"]
        try:
            return [f"s{k}/{code}{VIDEO_SUFFIX}" for k in speakers for code in corpus.grid_codes(seed, k, count)]
        except corpus.SynthError as error:
            raise StageError(f"synth.grid_clips_per_speaker: {error}") from None
    ids = list(sentences(params, base))
    return [
        f"s{k}/{sentence_id}-{corpus.initials(seed, k)}{VIDEO_SUFFIX}"
        for k in speakers
        for sentence_id in ids
    ]


def _key(relpath: str) -> str:
    return relpath[:-len(VIDEO_SUFFIX)] if relpath.endswith(VIDEO_SUFFIX) else relpath


def _match(params: dict, key: str) -> re.Match | None:
    return (GRID_PLANNED_NAME if is_grid(params) else PLANNED_NAME).match(key)


def _text(params: dict, sentence_id: str, base: Path) -> str:
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


def _remove_stale_alignments(params: dict, root: Path, key: str) -> None:
    """Drop this code's ``.align`` from other speakers' folders where no planned clip puts one.

    A change of ``synth.grid_misplaced_alignments`` would otherwise leave copies in the old
    folders, and the ingestion check would see two candidate folders for a speaker.
    """
    folders = alignment_folders(params)
    planned = {align_path(params, root, _key(p), folders) for p in planned_clips(params)}
    code = key.split("/")[1]
    for k in range(1, params["synth"]["speakers"] + 1):
        path = Path(root) / f"s{k}" / ALIGN_FOLDER / f"{code}{grid.ALIGN_SUFFIX}"
        if path not in planned:
            path.unlink(missing_ok=True)


def synthesize_clip(params: dict, relpath: str, root: Path, base: Path = Path(".")) -> dict:
    """Write one planned clip, its truth file and (GRID-like) its .align under ``root``; return the record's details."""
    key = _key(relpath)
    match = _match(params, key)
    planned = {_key(p) for p in planned_clips(params, base)}
    if not match or key not in planned:
        raise StageError(f"{relpath}: not a planned clip (see lipflow.stages.synth.planned_clips)")
    grid_kind = is_grid(params)
    settings = corpus.grid_settings(params["synth"]) if grid_kind else params["synth"]
    text = _text(params, match["sentence_id"], base)
    try:
        make_speaker = corpus.grid_speaker if grid_kind else corpus.speaker
        who = make_speaker(params["seed"], int(match["speaker"]), params["synth"])
        rendered = corpus.render(params["seed"], settings, params["dataset"]["language"], who,
                                 match["sentence_id"], text)
    except (speech.SpeechError, visemes.VisemeError, face.FaceError, corpus.SynthError) as error:
        raise StageError(str(error)) from None
    video = Path(root) / f"{key}{VIDEO_SUFFIX}"
    with atomic_path(video) as tmp:
        corpus.encode(rendered, who.frame_rate, who.encoding, tmp)
    write_json(truth_path(root, key), rendered.truth)
    details = {
        "output": str(video), "truth": str(truth_path(root, key)), "frames": len(rendered.frames),
        "fps": rendered.truth["fps"], "encoding": who.encoding, "identity": who.look.identity,
        "words": len(rendered.truth["words"]),
    }
    if grid_kind:
        words = [(w["word"], w["start"], w["end"]) for w in rendered.truth["words"]]
        try:
            segments = alignfile.from_word_times(words, grid.FPS, grid.FRAMES)
        except alignfile.AlignError as error:
            raise StageError(f"{key}: {error}") from None
        align = align_path(params, root, key)
        _remove_stale_alignments(params, root, key)
        write_text(align, alignfile.format_align(segments))
        details["align"] = str(align)
    return details


def clip_fingerprint(params: dict, key: str, text: str) -> str:
    return fingerprint(
        params["seed"], params["synth"], params["dataset"]["language"], key, text,
        code_hash(sys.modules[__name__], corpus, face, speech, visemes, corpus.media, alignfile, grid),
    )


def run(params: dict, relpath: str, force: bool = False, base: Path = Path(".")) -> Record:
    """Make one clip unless its record is current and its files are there; always leave a record."""
    key = _key(relpath)
    root = Path(params["dataset"]["root"])
    match = _match(params, key)
    text = _text(params, match["sentence_id"], base) if match else ""
    present = (root / f"{key}{VIDEO_SUFFIX}").is_file() and truth_path(root, key).is_file()
    if present and match and is_grid(params) and text:
        present = align_path(params, root, key).is_file()
    return run_clip(
        NAME, key, record_path(stage_dir(NAME), key), clip_fingerprint(params, key, text),
        lambda: synthesize_clip(params, relpath, root, base), force=force or not present,
    )


def run_all(params: dict, keys: list[str] | None = None, force: bool = False, base: Path = Path("."),
            jobs: int = 1) -> list[Record]:
    """Make the clips named by ``keys`` (all planned when None) in ``jobs`` processes; all -> the manifest too.

    Clips are independent and each is a function of the params alone, so running them in
    parallel changes nothing in the output.
    """
    planned = [_key(p) for p in planned_clips(params, base)]
    chosen = [_key(k) for k in keys] if keys else planned
    make = partial(run, params, force=force, base=base)
    progress = partial(tqdm, desc=NAME, unit="clip", total=len(chosen), disable=len(chosen) < 2)
    if jobs > 1 and len(chosen) > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            records = list(progress(pool.map(make, chosen)))
    else:
        records = [make(key) for key in progress(chosen)]
    if not keys:
        print(manifest(params, base).summary())
    return records


def manifest(params: dict, base: Path = Path(".")) -> Manifest:
    """``reports/manifests/synth.tsv`` over the planned clips (the corpus may not exist yet)."""
    root = Path(params["dataset"]["root"])
    clips = [Clip(key.split("/")[0], key.split("/")[1], _match(params, key)["sentence_id"],
                  root / f"{key}{VIDEO_SUFFIX}") for key in map(_key, planned_clips(params, base))]
    result = build_manifest(NAME, stage_dir(NAME), clips, [])
    write_manifest(result)
    return result
