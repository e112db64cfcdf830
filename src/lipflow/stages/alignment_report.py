"""How good the alignments are: counts per stage; ``real_speech``, the aligner's word-boundary
error on the real recording shipped in ``lipflow/reference`` (against GRID's own alignment, with
the current ``align`` params); and ``tts_truth``, when the corpus has truth files (the embedded
corpora do), the error of every clip's ``.align`` against the generator's word timing. On the
Italian corpus those files come from aeneas, so that figure is TTS against TTS and flatters it.

Writes ``reports/metrics/alignment.json`` so ``dvc metrics diff`` shows what an
``align.*`` change did.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

from .. import alignfile, layout, realspeech
from ..files import read_json, write_json
from ..project import Project, load
from ..records import OK, load_record

NAME = "alignment_report"
COUNTED_STAGES = ("fps", "align")


def truth_path(source: Path) -> Path:
    return source.with_suffix(layout.TRUTH_SUFFIX)


def report(project: Project) -> dict:
    clips, rejected = project.discover()
    fps = project.params["fps"]["fps"]
    result: dict = {"clips": len(clips) + len(rejected)}
    for stage in COUNTED_STAGES:
        records = [load_record(stage, clip.key) for clip in clips]
        result[f"{stage}_ok"] = sum(r.status == OK for r in records)
    aligned = [c for c in clips if load_record("align", c.key).ok]
    word_frames, errors, mismatched = [], [], 0
    for clip in aligned:
        segments = alignfile.read_align(layout.artefact("align", clip.key))
        word_frames += [(s.end - s.begin) / alignfile.FRAME_UNIT for s in segments
                        if s.word not in alignfile.SILENCE_TOKENS]
        truth = truth_path(clip.source)
        if truth.is_file():
            try:
                errors += alignfile.boundary_errors(segments, alignfile.word_segments(read_json(truth)["words"], fps))
            except ValueError:
                mismatched += 1
    if word_frames:
        result["mean_word_frames"] = round(mean(word_frames), 3)
    max_len = project.params["labels"]["absolute_max_string_len"]
    result["real_speech"] = alignfile.error_summary(realspeech.reference_errors(project.params["align"], max_len))
    if errors:
        result["tts_truth"] = {**alignfile.error_summary(errors), "clips_with_other_words": mismatched}
    return result


def main(params_path: Path, options: dict) -> str:
    result = report(load(params_path))
    write_json(layout.ALIGNMENT_METRICS, result)
    return json.dumps(result, indent=2)
