"""Stage 6: which clips train, validate and test the model (``data/split/split.tsv``).

Every discovered file gets a row: clips whose mouth crops failed, and files discovery
rejected, are ``excluded`` with the reason, so nothing disappears between the manifests and
the training set. ``reports/metrics/split.json`` says what each part holds
(:func:`lipflow.splitting.report`), so ``dvc metrics diff`` shows how unseen the test set is.
"""

from __future__ import annotations

from pathlib import Path

from .. import alignfile, layout, mouthfile, splitfile, text
from ..files import write_json
from ..params import is_grid
from ..project import Project, load
from ..splitfile import EXCLUDED, Row
from ..splitting import assign, label_video_mismatch, report
from . import upstream

NAME = "split"
UNSEEN = {"speaker": "speakers", "sentence": "sentences", "word": "word tokens"}
"""The report's ``unseen_<unit>_share`` keys, as the summary lines name them."""


def candidates(project: Project) -> list[Row]:
    """One row per discovered file; ``reason`` is empty for the clips that can be split."""
    clips, rejected = project.discover()
    grid_kind = is_grid(project.params)
    needed = ("mouth", "align") if grid_kind else ("mouth",)
    rows = []
    for clip in clips:
        failed = next((r for r in upstream(clip.key, *needed) if not r.ok), None)
        reason = f"{failed.stage} {failed.status}: {failed.reason}" if failed else ""
        if not failed and upstream(clip.key, "align")[0].ok:
            reason = label_video_mismatch(alignfile.read_align(layout.artefact("align", clip.key)),
                                          mouthfile.video_span(layout.artefact("mouth", clip.key)),
                                          project.params[NAME])
        if grid_kind and not failed:
            sentence = " ".join(alignfile.spoken_words(alignfile.read_align(layout.artefact("align", clip.key))))
        else:
            sentence = project.sentences[clip.sentence_id]
        label = text.normalise(sentence, project.language)
        if not label and not reason:
            reason = "the sentence has no words after normalisation"
        rows.append(Row(clip.key, clip.speaker, clip.sentence_id, label, EXCLUDED, reason))
    for item in rejected:
        rows.append(Row(item.key, item.speaker, "", "", EXCLUDED, item.reason))
    return sorted(rows, key=lambda row: row.clip)


def run(project: Project) -> tuple[Path, dict]:
    """Write the split table and its report; returns the table's path and the report."""
    settings = project.params[NAME]
    rows = assign(candidates(project), settings, project.params["seed"])
    splitfile.write(layout.SPLIT_TABLE, rows)
    result = report(rows, settings["mode"])
    write_json(layout.SPLIT_METRICS, result)
    return layout.SPLIT_TABLE, result


def summary(result: dict) -> list[str]:
    """One line per part of a split report."""
    lines = []
    for part, entry in result["parts"].items():
        line = f"{part}: {entry['clips']} clips, {entry['speakers']} speakers, {entry['sentences']} sentences"
        unseen = [f"{entry[f'unseen_{unit}_share']:.1%} of {noun}" for unit, noun in UNSEEN.items()
                  if entry.get(f"unseen_{unit}_share") is not None]
        if unseen:
            line += f"; unseen in train: {', '.join(unseen)}"
        lines.append(line)
    return lines


def main(params_path: Path, options: dict) -> str:
    dest, result = run(load(params_path))
    return "\n".join([f"{dest} ({result['mode']} mode), {layout.SPLIT_METRICS}", *summary(result)])
