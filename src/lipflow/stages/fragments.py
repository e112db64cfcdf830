"""Stage 2: the aeneas plain-text fragments of a clip's sentence: sil, the words, sil."""

from __future__ import annotations

from .. import aligner, layout, text
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..files import write_text
from ..params import fingerprint, is_grid
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage, not_needed_for_grid

NAME = "fragments"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    if is_grid(project.params):
        return not_needed_for_grid(NAME, project, clip)
    sentence = project.sentences[clip.sentence_id]
    max_len = project.params["labels"]["absolute_max_string_len"]
    dest = layout.artefact(NAME, clip.key)

    def work() -> dict:
        write_text(dest, aligner.fragments_text(sentence, project.language, max_len))
        return {"sentence": sentence, "label": text.normalise(sentence, project.language), "output": str(dest)}

    key = fingerprint(sentence, project.language, max_len, code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, force=force)


STAGE = ClipStage(NAME, run)
