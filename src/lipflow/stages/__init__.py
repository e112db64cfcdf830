"""Per-clip stages: one pure function each, wrapped so every clip leaves a record.

A :class:`ClipStage` turns a clip into a record. :func:`run_stage` runs it over some or all
clips (a progress bar on long runs) and, when it ran over all of them, writes the stage's
manifest and prints the summary line; failures are counted, never raised, so the run
exits 0 and the manifest says what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tqdm import tqdm

from ..datasets import Clip
from ..layout import stage_dir
from ..project import Project
from ..records import Manifest, Record, build_manifest, load_record, write_manifest


@dataclass(frozen=True)
class ClipStage:
    name: str
    run_clip: Callable[[Project, Clip, bool], Record]
    help: str


def upstream(clip_key: str, *stages: str) -> list[Record]:
    """The records earlier stages left for a clip, in the order given."""
    return [load_record(stage, stage_dir(stage), clip_key) for stage in stages]


def manifest(project: Project, stage: ClipStage) -> Manifest:
    clips, rejected = project.discover()
    result = build_manifest(stage.name, stage_dir(stage.name), clips, rejected)
    write_manifest(result)
    return result


def run_stage(project: Project, stage: ClipStage, keys: list[str] | None = None, force: bool = False) -> list[Record]:
    """Run ``stage`` on the clips named by ``keys`` (all when None); all -> manifest too."""
    if keys:
        clips = [project.clip(key) for key in keys]
    else:
        clips, _ = project.discover()
    records = [
        stage.run_clip(project, clip, force)
        for clip in tqdm(clips, desc=stage.name, unit="clip", disable=len(clips) < 2)
    ]
    if not keys:
        print(manifest(project, stage).summary())
    return records
