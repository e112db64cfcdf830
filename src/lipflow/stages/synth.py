"""Stage 0: the embedded corpus: synthetic speakers saying the sentences, with ground truth.

``dataset.kind: synthetic`` writes Italian speakers as ``<dataset.root>/s<k>/<ID>-<initials>.mpg``
(WebM or MP4 inside, like the original browser recorder) and ``<ID>-<initials>.truth.json``
beside it. ``dataset.kind: grid_synthetic`` writes a GRID-like corpus instead: English
speakers saying ``synth.sentences_per_speaker`` GRID sentences each, as
``s<k>/<code>.mpg`` (3 s, 25 fps, MPEG-1 + MP2 like GRID's files), ``s<k>/<code>.truth.json``
and the true GRID alignment ``s<k>/align/<code>.align``, except that the speaker pairs of
``synth.grid_misplaced_alignments`` have their ``align/`` folders swapped, like the known
faults of GRID's distribution. ``synth.duration``, ``synth.sentence_ids`` and the Italian
speakers' random frame rates and encodings do not apply to it. Every clip leaves a record in
``data/synth`` so a batch run resumes and a failed clip is reported, never lost.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from .. import layout
from .. import params as params_mod
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..params import fingerprint, is_grid, is_synthetic
from ..records import Manifest, Record, build_manifest, run_clip, write_manifest
from ..synth.plan import VIDEO_SUFFIX, align_path, key_of, parse_key, planned_clips, text_of, truth_path
from ..synth.write import synthesize_clip
from . import available_cores, report_failures, shard_keys, write_shard_list

NAME = "synth"


def clip_fingerprint(params: dict, key: str, text: str) -> str:
    return fingerprint(
        params["seed"], params["synth"], params["dataset"]["language"], key, text,
        code_fingerprint(__name__),
    )


def run(params: dict, relpath: str, force: bool = False, base: Path = Path(".")) -> Record:
    """Make one clip unless its record is current and its files are there; always leave a record."""
    key = key_of(relpath)
    root = Path(params["dataset"]["root"])
    match = parse_key(params, key)
    text = text_of(params, match["sentence_id"], base) if match else ""
    present = (root / f"{key}{VIDEO_SUFFIX}").is_file() and truth_path(root, key).is_file()
    if present and match and is_grid(params) and text:
        present = align_path(params, root, key).is_file()
    return run_clip(
        NAME, key, layout.record(NAME, key), clip_fingerprint(params, key, text),
        lambda: synthesize_clip(params, relpath, root, base), force=force or not present,
    )


def run_all(params: dict, keys: list[str] | None = None, force: bool = False, base: Path = Path("."),
            jobs: int = 1) -> list[Record]:
    """Make the clips named by ``keys`` (all planned when None) in ``jobs`` processes; all -> the manifest too.

    Clips are independent and each is a function of the params alone, so running them in
    parallel changes nothing in the output.
    """
    planned = [key_of(p) for p in planned_clips(params, base)]
    chosen = [key_of(k) for k in keys] if keys is not None else planned
    make = partial(run, params, force=force, base=base)
    progress = partial(tqdm, desc=NAME, unit="clip", total=len(chosen))
    if jobs > 1 and len(chosen) > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            records = list(progress(pool.map(make, chosen)))
    else:
        records = [make(key) for key in progress(chosen)]
    if keys is None:
        print(manifest(params, base).summary())
    return records


def manifest(params: dict, base: Path = Path(".")) -> Manifest:
    """``reports/manifests/synth.tsv`` over the planned clips (the corpus may not exist yet)."""
    root = Path(params["dataset"]["root"])
    clips = []
    for key in map(key_of, planned_clips(params, base)):
        speaker, name = key.split("/")
        clips.append(Clip(speaker, name, parse_key(params, key)["sentence_id"], root / f"{key}{VIDEO_SUFFIX}"))
    result = build_manifest(NAME, clips, [])
    write_manifest(result)
    return result


def main(params_path: Path, options: dict) -> str:
    params = params_mod.load(params_path)
    if not is_synthetic(params):
        for folder in (layout.CORPUS, layout.stage_dir(NAME)):
            folder.mkdir(parents=True, exist_ok=True)
        return (f"synth: dataset.kind is {params['dataset']['kind']}: no corpus generated, "
                f"the pipeline reads {params['dataset']['root']}")
    base = Path(params_path).parent
    if options["shard"]:
        keys = shard_keys([key_of(path) for path in planned_clips(params, base)], options["shard"])
        return write_shard_list(NAME, options["shard"], run_all(params, keys, options["force"], base, 1))
    records = run_all(params, options["clip"], options["force"], base, options["jobs"] or available_cores())
    report_failures(records, options["clip"])
    return ""
