"""Stage 4: the clip's GRID-style .align (frame x 1000, begin end word).

From aeneas JSON for recordings aligned here (rounded, contiguous, covering the clip), or,
for the GRID kinds, the corpus's own .align file: read from the folder that really holds
the speaker's alignments (misplaced folders are remapped), and refused unless its words are
the sentence the clip's name spells and it fits in the clip.
"""

from __future__ import annotations

from .. import alignfile, grid, layout
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..errors import StageError
from ..files import file_hash, read_json, write_text
from ..params import fingerprint, is_grid
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage, upstream

NAME = "align_convert"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    fps = project.params["fps"]["fps"]
    dest = layout.artefact(NAME, clip.key)
    grid_kind = is_grid(project.params)
    earlier = upstream(clip.key, "fps") if grid_kind else upstream(clip.key, "fps", "align")
    shipped, source, located = None, None, []
    if grid_kind:
        try:
            shipped, source = grid.shipped_alignment(project.root, clip.speaker, clip.name)
            located = [str(shipped), file_hash(shipped)]
        except StageError as error:
            located = [str(error)]

    def work() -> dict:
        frames = earlier[0].details["frames"]
        where = {}
        if grid_kind:
            if shipped is None:
                raise StageError(located[0])
            segments = grid.checked_segments(shipped, clip.name, frames)
            where = {"source": str(shipped), "filed_under": source.filed_under, "remapped": source.remapped}
        else:
            segments = alignfile.from_aeneas(read_json(layout.artefact("align", clip.key)), fps, frames)
        write_text(dest, alignfile.format_align(segments))
        return {"output": str(dest), "words": len(alignfile.spoken_words(segments)), "frames": frames, **where}

    key = fingerprint(fps, project.params["dataset"]["kind"], located, [r.fingerprint for r in earlier],
                      code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
