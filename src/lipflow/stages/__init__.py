"""Per-clip stages: one pure function each, wrapped so every clip leaves a record.

A :class:`ClipStage` turns a clip into a record. :func:`run_stage` runs it over some or all
clips (a progress bar on long runs) and, when it ran over all of them, writes the stage's
manifest and prints the summary line; failures are counted, never raised, so the run
exits 0 and the manifest says what went wrong.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from .. import layout
from ..datasets import Clip
from ..project import Project, UnknownClip, load
from ..records import FAILED, SKIPPED, Manifest, Record, build_manifest, load_record, write_manifest


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


def not_needed_for_grid(stage: str, project: Project, clip: Clip) -> Record:
    """GRID ships word alignments, so its clips skip the aeneas stages; the record says so and
    the DAG stays the same for every dataset kind."""
    record = Record(clip.key, stage, SKIPPED,
                    f"not needed: GRID ships its word alignments (dataset.kind {project.params['dataset']['kind']})")
    record.save(layout.record(stage, clip.key))
    return record


def manifest(project: Project, stage_name: str) -> Manifest:
    clips, rejected = project.discover()
    result = build_manifest(stage_name, clips, rejected)
    write_manifest(result)
    return result


def run_stage(project: Project, stage: ClipStage, keys: list[str] | None = None, force: bool = False) -> list[Record]:
    """Run ``stage`` on the clips named by ``keys`` (all when None); all -> manifest too."""
    missing: list[Record] = []
    if keys:
        clips = []
        for key in keys:
            try:
                clips.append(project.clip(key))
            except UnknownClip as error:
                missing.append(_missing_clip(stage.name, key, str(error)))
    else:
        clips, _ = project.discover()
    records = missing + [
        stage.run_clip(project, clip, force)
        for clip in tqdm(clips, desc=stage.name, unit="clip", disable=len(clips) < 2)
    ]
    if not keys:
        print(manifest(project, stage.name).summary())
    return records


def report_failures(records: list[Record], keys: list[str] | None) -> None:
    """A job for named clips says on stderr which of them failed (the record says it too)."""
    for record in records:
        if keys and not record.ok:
            print(f"{record.clip}: {record.stage} {record.status}: {record.reason}", file=sys.stderr)


def run_clips(stage: ClipStage, params_path: Path, options: dict) -> str:
    """The command of a per-clip stage: ``--clip`` keys (one Snakemake job) or every clip."""
    records = run_stage(load(params_path), stage, options["clip"], options["force"])
    report_failures(records, options["clip"])
    return ""
