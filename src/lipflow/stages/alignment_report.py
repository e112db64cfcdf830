"""How good the alignments are: counts per stage and, when the corpus has truth files
(the synthetic corpus does), the boundary error of every word against the truth.

Writes ``reports/metrics/alignment.json`` so ``dvc metrics diff`` shows what an
``align.*`` change did.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean, median

from .. import alignfile, layout
from ..files import read_json, write_json
from ..project import Project, load
from ..records import OK, load_record

NAME = "alignment_report"
COUNTED_STAGES = ("fps", "fragments", "align", "align_convert")


def truth_path(source: Path) -> Path:
    return source.with_suffix(layout.TRUTH_SUFFIX)


def report(project: Project) -> dict:
    clips, rejected = project.discover()
    fps = project.params["fps"]["fps"]
    result: dict = {"clips": len(clips) + len(rejected)}
    for stage in COUNTED_STAGES:
        records = [load_record(stage, clip.key) for clip in clips]
        result[f"{stage}_ok"] = sum(r.status == OK for r in records)
    aligned = [c for c in clips if load_record("align_convert", c.key).ok]
    word_frames, errors, mismatched = [], [], 0
    for clip in aligned:
        segments = alignfile.read_align(layout.artefact("align_convert", clip.key))
        word_frames += [(s.end - s.begin) / alignfile.FRAME_UNIT for s in segments if s.word not in alignfile.SILENCE_TOKENS]
        truth = truth_path(clip.source)
        if truth.is_file():
            try:
                errors += alignfile.boundary_errors(segments, alignfile.word_segments(read_json(truth)["words"], fps))
            except ValueError:
                mismatched += 1
    if word_frames:
        result["mean_word_frames"] = round(mean(word_frames), 3)
    if errors:
        result["truth"] = {
            "boundaries": len(errors),
            "mean_abs_error_frames": round(mean(errors), 3),
            "median_abs_error_frames": round(median(errors), 3),
            "within_2_frames": round(sum(e <= 2 for e in errors) / len(errors), 4),
            "clips_with_other_words": mismatched,
        }
    return result


def main(params_path: Path, options: dict) -> str:
    result = report(load(params_path))
    write_json(layout.ALIGNMENT_METRICS, result)
    return json.dumps(result, indent=2)
