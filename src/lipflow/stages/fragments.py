"""Stage 2: the aeneas plain-text fragments of a clip's sentence: sil, the words, sil."""

from __future__ import annotations


from .. import text
from ..datasets import Clip
from ..files import write_text
from ..layout import artefact, code_hash, stage_dir
from ..params import fingerprint, is_grid
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, StageError, record_path, run_clip
from . import ClipStage, not_needed_for_grid

NAME = "fragments"
SILENCE = "sil"


def fragments_text(sentence: str, language: str, max_len: int) -> str:
    """One fragment per line; the ``sil`` lines let aeneas absorb leading and trailing silence."""
    label = text.normalise(sentence, language)
    if not label:
        raise StageError(f"sentence {sentence!r} has no words after normalisation")
    if len(label) > max_len:
        raise StageError(
            f"transcript {label!r} has {len(label)} characters, more than "
            f"labels.absolute_max_string_len = {max_len}"
        )
    return "\n".join([SILENCE, *label.split(), SILENCE]) + "\n"


def fragments_path(clip_key: str):
    return artefact(NAME, clip_key, ".txt")


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    if is_grid(project.params):
        return not_needed_for_grid(NAME, project, clip)
    sentence = project.sentences[clip.sentence_id]
    max_len = project.params["labels"]["absolute_max_string_len"]
    dest = fragments_path(clip.key)

    def work() -> dict:
        body = fragments_text(sentence, project.language, max_len)
        write_text(dest, body)
        return {"sentence": sentence, "label": text.normalise(sentence, project.language), "output": str(dest)}

    key = fingerprint(sentence, project.language, max_len, code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, force=force)


STAGE = ClipStage(NAME, run)
