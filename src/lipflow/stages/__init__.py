"""Per-clip stages: one pure function each, wrapped so every clip leaves a record.

A :class:`ClipStage` turns a clip into a record. :func:`run_stage` runs it over some or all
clips, cut into shards (:mod:`lipflow.shards`) that run in parallel processes, each loading
its models once; when it ran over all clips it writes the stage's manifest and prints the
summary line. Failures are counted, never raised, so the run exits 0 and the manifest says
what went wrong. A Snakemake job runs one shard (``--shard``) and leaves its shard list.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from .. import layout, shards
from ..datasets import Clip
from ..files import write_text
from ..project import Project, UnknownClip, load
from ..records import FAILED, Manifest, Record, build_manifest, load_record, write_manifest

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipStage:
    name: str
    run_clip: Callable[[Project, Clip, bool], Record]


def upstream(clip_key: str, *stages: str) -> list[Record]:
    """The records earlier stages left for a clip, in the order given."""
    return [load_record(stage, clip_key) for stage in stages]


def _missing_clip(stage: str, key: str, reason: str) -> Record:
    """A job asked for a clip that is not (or no longer) in the dataset, e.g. a synthetic clip
    whose generation failed: its record says so, and the run goes on."""
    record = Record(key, stage, FAILED, reason)
    record.save(layout.record(stage, key))
    return record


def manifest(project: Project, stage_name: str) -> Manifest:
    clips, rejected = project.discover()
    result = build_manifest(stage_name, clips, rejected)
    write_manifest(result)
    return result


def shard_keys(keys: list[str], shard: str) -> list[str]:
    index, count = shards.parse(shard)
    return shards.partition(keys, count)[index]


def _run_keys(project: Project, stage: ClipStage, keys: list[str], force: bool, progress: bool) -> list[Record]:
    found = project.find(keys)
    records = []
    for key in tqdm(keys, desc=stage.name, unit="clip") if progress and len(keys) > 1 else keys:
        clip = found[key]
        records.append(_missing_clip(stage.name, key, str(clip)) if isinstance(clip, UnknownClip)
                       else stage.run_clip(project, clip, force))
    return records


def run_stage(project: Project, stage: ClipStage, keys: list[str] | None = None, force: bool = False,
              jobs: int = 1) -> list[Record]:
    """Run ``stage`` on the clips named by ``keys`` (all when None; then the manifest too, and an
    error when every clip failed: the end of a DVC stage), their shards in ``jobs`` processes.
    The output does not depend on ``jobs``."""
    chosen = keys if keys is not None else [clip.key for clip in project.discover()[0]]
    parts = [part for part in shards.partition(chosen, shards.count(len(chosen), project.params["shards"])) if part]
    if jobs > 1 and len(parts) > 1:
        records = []
        with ProcessPoolExecutor(min(jobs, len(parts)), mp_context=get_context("fork")) as pool, \
                tqdm(total=len(chosen), desc=stage.name, unit="clip") as bar:
            for part in pool.map(_run_keys, *zip(*[(project, stage, part, force, False) for part in parts],
                                                 strict=True)):
                records += part
                bar.update(len(part))
    else:
        records = _run_keys(project, stage, chosen, force, progress=True)
    if keys is None:
        written = manifest(project, stage.name)
        written.require_any_ok()
        print(written.summary())
    return records


def report_failures(records: list[Record], keys: list[str] | None) -> None:
    """A job for named clips says on stderr which of them failed (the record says it too)."""
    for record in records:
        if keys and not record.ok:
            LOG.warning("%s: %s %s: %s", record.clip, record.stage, record.status, record.reason)


def write_shard_list(stage: str, shard: str, records: list[Record]) -> str:
    """The shard job's declared output: its clips with their status, written last; returns the summary."""
    rows = [{"clip": r.clip, "status": r.status, "reason": r.reason} for r in records]
    result = Manifest(stage, rows)
    write_text(layout.shard_list(stage, shard), result.to_tsv())
    return result.summary().replace(f"{stage}:", f"{stage} {shard}:", 1)


def available_cores() -> int:
    return len(os.sched_getaffinity(0))


def run_clips(stage: ClipStage, params_path: Path, options: dict) -> str:
    """The command of a per-clip stage: ``--clip`` keys, one ``--shard`` (a Snakemake job), or every clip.

    A shard takes the discovered clips that hash to it; a planned synthetic clip whose generation
    failed is not discovered, and the synth manifest reports it."""
    project = load(params_path)
    if options["shard"]:
        keys = shard_keys([clip.key for clip in project.discover()[0]], options["shard"])
        records = _run_keys(project, stage, keys, options["force"], progress=True)
        return write_shard_list(stage.name, options["shard"], records)
    records = run_stage(project, stage, options["clip"], options["force"], options["jobs"] or available_cores())
    report_failures(records, options["clip"])
    return ""
