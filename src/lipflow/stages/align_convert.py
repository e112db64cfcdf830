"""Stage 4: aeneas JSON -> GRID-style .align (frame x 1000, rounded, contiguous, covering the clip)."""

from __future__ import annotations

from pathlib import Path

from .. import alignfile
from ..datasets import Clip
from ..files import read_json, write_text
from ..layout import artefact, code_hash, stage_dir
from ..params import fingerprint
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, StageError, record_path, run_clip
from . import ClipStage, upstream
from . import align as align_stage
from . import fps as fps_stage

NAME = "align_convert"


def align_path(clip_key: str) -> Path:
    return artefact(NAME, clip_key, ".align")


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    fps = project.params["fps"]["fps"]
    dest = align_path(clip.key)
    earlier = upstream(clip.key, fps_stage.NAME, align_stage.NAME)

    def work() -> dict:
        frames = earlier[0].details["frames"]
        try:
            segments = alignfile.from_aeneas(read_json(align_stage.json_path(clip.key)), fps, frames)
        except alignfile.AlignError as error:
            raise StageError(str(error)) from None
        write_text(dest, alignfile.format_align(segments))
        return {"output": str(dest), "words": len(alignfile.spoken_words(segments)), "frames": frames}

    key = fingerprint(fps, [r.fingerprint for r in earlier], code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
