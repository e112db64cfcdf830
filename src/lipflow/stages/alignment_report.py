"""How good the alignments are: counts per stage and, when the corpus has truth files
(the synthetic corpus does), the boundary error of every word against the truth.

Writes ``reports/metrics/alignment.json`` so ``dvc metrics diff`` shows what an
``align.*`` change did.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean, median

from .. import alignfile
from ..files import read_json, write_json
from ..layout import METRICS, stage_dir
from ..project import Project
from ..records import OK, load_record
from . import align_convert

NAME = "alignment_report"
TRUTH_SUFFIX = ".truth.json"
COUNTED_STAGES = ("fps", "fragments", "align", "align_convert")


def metrics_path() -> Path:
    return METRICS / "alignment.json"


def boundary_errors(segments: list[alignfile.Segment], truth_words: list[dict], fps: float) -> list[float]:
    """Absolute start and end errors (frames) of each spoken word against the truth timings.

    Raises ValueError when the aligned words are not the truth's words.
    """
    spoken = [s for s in segments if s.word not in alignfile.SILENCE_TOKENS]
    if [s.word for s in spoken] != [w["word"] for w in truth_words]:
        raise ValueError("aligned words differ from the truth's words")
    errors = []
    for segment, word in zip(spoken, truth_words):
        errors.append(abs(segment.begin / alignfile.FRAME_UNIT - word["start"] * fps))
        errors.append(abs(segment.end / alignfile.FRAME_UNIT - word["end"] * fps))
    return errors


def truth_path(source: Path) -> Path:
    return source.with_suffix(TRUTH_SUFFIX)


def report(project: Project) -> dict:
    clips, rejected = project.discover()
    fps = project.params["fps"]["fps"]
    result: dict = {"clips": len(clips) + len(rejected)}
    for stage in COUNTED_STAGES:
        records = [load_record(stage, stage_dir(stage), clip.key) for clip in clips]
        result[f"{stage}_ok"] = sum(r.status == OK for r in records)
    aligned = [c for c in clips if load_record(align_convert.NAME, stage_dir(align_convert.NAME), c.key).ok]
    word_frames, errors, mismatched = [], [], 0
    for clip in aligned:
        segments = alignfile.read_align(align_convert.align_path(clip.key))
        word_frames += [(s.end - s.begin) / alignfile.FRAME_UNIT for s in segments if s.word not in alignfile.SILENCE_TOKENS]
        truth = truth_path(clip.source)
        if truth.is_file():
            try:
                errors += boundary_errors(segments, read_json(truth)["words"], fps)
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


def run(project: Project) -> dict:
    result = report(project)
    write_json(metrics_path(), result)
    return result
