"""Stages 2-4: a clip's sentence -> aeneas fragments -> forced alignment -> GRID-style .align.

One job, because the fragment text and aeneas's JSON are read by nothing else and cost
next to nothing beside a process start; both stay beside the ``.align`` for inspection.
The .align is frame x 1000, ``begin end word``, rounded, contiguous and covering the clip.
For the GRID kinds nothing is aligned: the corpus's own .align is read from the folder that
really holds the speaker's alignments (misplaced folders are remapped), and refused unless
its words are the sentence the clip's name spells and it fits in the clip.
"""

from __future__ import annotations

from .. import aligner, alignfile, grid, layout
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..errors import StageError
from ..files import file_hash, write_json, write_text
from ..params import fingerprint, is_grid
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage, upstream

NAME = "align"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    earlier = upstream(clip.key, "fps")
    if is_grid(project.params):
        return _shipped(project, clip, earlier, force)
    settings = project.params[NAME]
    sentence = project.sentences[clip.sentence_id]
    max_len = project.params["labels"]["absolute_max_string_len"]
    fps = project.params["fps"]["fps"]

    def work() -> dict:
        fragments = layout.fragments(clip.key)
        write_text(fragments, aligner.fragments_text(sentence, project.language, max_len))
        sync_map = aligner.align_clip(layout.artefact("fps", clip.key), fragments, project.language, settings)
        write_json(layout.aeneas_map(clip.key), sync_map)
        return _write_align(clip, alignfile.from_aeneas(sync_map, fps, earlier[0].details["frames"]),
                            {"sentence": sentence, "fragments": len(sync_map["fragments"])})

    key = fingerprint(settings, sentence, project.language, max_len, fps, [r.fingerprint for r in earlier],
                      code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


def _shipped(project: Project, clip: Clip, earlier: list[Record], force: bool) -> Record:
    try:
        shipped, source = grid.shipped_alignment(project.root, clip.speaker, clip.name)
        located = [str(shipped), file_hash(shipped)]
    except StageError as error:
        shipped, source, located = None, None, [str(error)]

    def work() -> dict:
        if shipped is None:
            raise StageError(located[0])
        segments = grid.checked_segments(shipped, clip.name, earlier[0].details["frames"])
        return _write_align(clip, segments, {"source": str(shipped), "filed_under": source.filed_under,
                                             "remapped": source.remapped})

    key = fingerprint(project.params["dataset"]["kind"], located, [r.fingerprint for r in earlier],
                      code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


def _write_align(clip: Clip, segments: list, details: dict) -> dict:
    dest = layout.artefact(NAME, clip.key)
    write_text(dest, alignfile.format_align(segments))
    return {"output": str(dest), "words": len(alignfile.spoken_words(segments)), **details}


STAGE = ClipStage(NAME, run)
