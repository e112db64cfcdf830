"""Stage 0: the embedded corpus: synthetic speakers saying the sentences, with ground truth.

Writes ``<dataset.root>/s<k>/<ID>-<initials>.mpg`` (WebM or MP4 inside, like the original
browser recorder) and ``<ID>-<initials>.truth.json`` beside it, plus a record per clip in
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

from ..datasets import Clip, read_sentences
from ..files import atomic_path, write_json
from ..layout import code_hash, stage_dir
from ..params import fingerprint
from ..records import Record, StageError, build_manifest, record_path, run_clip, write_manifest
from ..synth import corpus, face, speech, visemes

NAME = "synth"
VIDEO_SUFFIX = ".mpg"
TRUTH_SUFFIX = ".truth.json"
PLANNED_NAME = re.compile(r"^s(?P<speaker>\d+)/(?P<sentence_id>[^-/]+)-(?P<initials>[A-Z]+)$")


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
    """Relative paths (``s1/0-AB.mpg``) of every clip the generator writes, from params alone."""
    seed = params["seed"]
    ids = list(sentences(params, base))
    return [
        f"s{k}/{sentence_id}-{corpus.initials(seed, k)}{VIDEO_SUFFIX}"
        for k in range(1, params["synth"]["speakers"] + 1)
        for sentence_id in ids
    ]


def _key(relpath: str) -> str:
    return relpath[:-len(VIDEO_SUFFIX)] if relpath.endswith(VIDEO_SUFFIX) else relpath


def truth_path(root: Path, key: str) -> Path:
    return Path(root) / f"{key}{TRUTH_SUFFIX}"


def synthesize_clip(params: dict, relpath: str, root: Path, base: Path = Path(".")) -> dict:
    """Write one planned clip and its truth file under ``root``; return what the record keeps."""
    key = _key(relpath)
    match = PLANNED_NAME.match(key)
    planned = {_key(p) for p in planned_clips(params, base)}
    if not match or key not in planned:
        raise StageError(f"{relpath}: not a planned clip (see lipflow.stages.synth.planned_clips)")
    who = corpus.speaker(params["seed"], int(match["speaker"]), params["synth"])
    text = sentences(params, base)[match["sentence_id"]]
    try:
        rendered = corpus.render(params["seed"], params["synth"], params["dataset"]["language"], who,
                                 match["sentence_id"], text)
    except (speech.SpeechError, visemes.VisemeError, face.FaceError, corpus.SynthError) as error:
        raise StageError(str(error)) from None
    video = Path(root) / f"{key}{VIDEO_SUFFIX}"
    with atomic_path(video) as tmp:
        corpus.encode(rendered, who.frame_rate, who.encoding, tmp)
    write_json(truth_path(root, key), rendered.truth)
    return {
        "output": str(video), "truth": str(truth_path(root, key)), "frames": len(rendered.frames),
        "fps": rendered.truth["fps"], "encoding": who.encoding, "identity": who.look.identity,
        "words": len(rendered.truth["words"]),
    }


def clip_fingerprint(params: dict, key: str, text: str) -> str:
    return fingerprint(
        params["seed"], params["synth"], params["dataset"]["language"], key, text,
        code_hash(sys.modules[__name__], corpus, face, speech, visemes, corpus.media),
    )


def run(params: dict, relpath: str, force: bool = False, base: Path = Path(".")) -> Record:
    """Make one clip unless its record is current and its files are there; always leave a record."""
    key = _key(relpath)
    root = Path(params["dataset"]["root"])
    sentence_id = PLANNED_NAME.match(key)["sentence_id"] if PLANNED_NAME.match(key) else ""
    text = sentences(params, base).get(sentence_id, "")
    present = (root / f"{key}{VIDEO_SUFFIX}").is_file() and truth_path(root, key).is_file()
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
        root = Path(params["dataset"]["root"])
        clips = [Clip(key.split("/")[0], key.split("/")[1], PLANNED_NAME.match(key)["sentence_id"],
                      root / f"{key}{VIDEO_SUFFIX}") for key in planned]
        manifest = build_manifest(NAME, stage_dir(NAME), clips, [])
        write_manifest(manifest)
        print(manifest.summary())
    return records
