"""Stage 3: aeneas forced alignment of the fragments against the clip's audio -> JSON."""

from __future__ import annotations

from .. import aligner, layout
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..files import write_json
from ..params import fingerprint, is_grid
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage, not_needed_for_grid, upstream

NAME = "align"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    if is_grid(project.params):
        return not_needed_for_grid(NAME, project, clip)
    settings = project.params["align"]
    dest = layout.artefact(NAME, clip.key)
    earlier = upstream(clip.key, "fps", "fragments")

    def work() -> dict:
        sync_map = aligner.align_clip(layout.artefact("fps", clip.key), layout.artefact("fragments", clip.key),
                                      project.language, settings)
        write_json(dest, sync_map)
        return {"output": str(dest), "fragments": len(sync_map["fragments"])}

    key = fingerprint(settings, project.language, [r.fingerprint for r in earlier], code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
