"""Stage 6: which clips train, validate and test the model (``data/split/split.tsv``).

Every discovered file gets a row: clips whose mouth crops failed, and files discovery
rejected, are ``excluded`` with the reason, so nothing disappears between the manifests and
the training set.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .. import alignfile, layout, splitfile, text
from ..params import is_grid
from ..project import Project, load
from ..splitfile import EXCLUDED, PARTS, Row
from ..splitting import assign
from . import upstream

NAME = "split"


def candidates(project: Project) -> list[Row]:
    """One row per discovered file; ``reason`` is empty for the clips that can be split."""
    clips, rejected = project.discover()
    grid_kind = is_grid(project.params)
    needed = ("mouth", "align_convert") if grid_kind else ("mouth",)
    rows = []
    for clip in clips:
        failed = next((r for r in upstream(clip.key, *needed) if not r.ok), None)
        reason = f"{failed.stage} {failed.status}: {failed.reason}" if failed else ""
        if grid_kind and not failed:
            sentence = " ".join(alignfile.spoken_words(alignfile.read_align(layout.artefact("align_convert", clip.key))))
        else:
            sentence = project.sentences[clip.sentence_id]
        label = text.normalise(sentence, project.language)
        if not label and not reason:
            reason = "the sentence has no words after normalisation"
        rows.append(Row(clip.key, clip.speaker, clip.sentence_id, label, EXCLUDED, reason))
    for item in rejected:
        speaker = item.key.split("/")[0] if "/" in item.key else ""
        rows.append(Row(item.key, speaker, "", "", EXCLUDED, item.reason))
    return sorted(rows, key=lambda row: row.clip)


def run(project: Project) -> tuple[Path, Counter]:
    """Write the split table; returns its path and the clip count of each part."""
    rows = assign(candidates(project), project.params[NAME], project.params["seed"])
    splitfile.write(layout.SPLIT_TABLE, rows)
    return layout.SPLIT_TABLE, Counter(row.split for row in rows)


def main(params_path: Path, options: dict) -> str:
    dest, counts = run(load(params_path))
    return f"{dest}: " + ", ".join(f"{counts[part]} {part}" for part in (*PARTS, EXCLUDED))
