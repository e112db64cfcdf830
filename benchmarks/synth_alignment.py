"""Word alignment against the synthetic corpus's ground truth (TTS vs TTS): aeneas (lipflow's align stage)
vs no aligner.

The synth stage knows when espeak-ng spoke each word, so alignment error can be measured
exactly; but aeneas aligns with espeak's voice, so this is TTS against nearly the same TTS
and flatters the aligner (``alignment_real.py`` measures it on real speech). On the same
generated clips, in one run: (a) ``lipflow.aligner.align_clip``
(aeneas, with the ``align`` params), (b) the baseline without an aligner: the words spread
over the whole clip in proportion to their letters. Boundary error is |predicted - true|
for every word start and end. Prints a table, then one JSON line. Run from the repository
root: ``python benchmarks/synth_alignment.py [--speakers N] [--sentences ID ...]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

from lipflow import aligner
from lipflow import params as params_mod
from lipflow.alignfile import SILENCE_TOKENS
from lipflow.files import read_json, write_text
from lipflow.layout import TRUTH_SUFFIX
from lipflow.synth.plan import VIDEO_SUFFIX, planned_clips
from lipflow.synth.write import synthesize_clip

FRAME_S = 0.04  # one frame at 25 fps: errors are reported in frames


def aeneas_words(video: Path, truth: dict, params: dict, folder: Path) -> list[tuple[float, float]]:
    text_file = folder / "fragments.txt"
    max_len = params["labels"]["absolute_max_string_len"]
    write_text(text_file, aligner.fragments_text(truth["sentence"], truth["language"], max_len))
    sync_map = aligner.align_clip(video, text_file, truth["language"], params["align"])
    spoken = [f for f in sync_map["fragments"] if f["lines"] and f["lines"][0] not in SILENCE_TOKENS]
    return [(float(f["begin"]), float(f["end"])) for f in spoken]


def proportional_words(truth: dict) -> list[tuple[float, float]]:
    letters = np.array([len(w["word"]) for w in truth["words"]], float)
    edges = np.concatenate([[0.0], np.cumsum(letters) / letters.sum()]) * truth["duration"]
    return list(pairwise(edges))


def errors(predicted: list[tuple[float, float]], truth: dict) -> np.ndarray:
    true = [(w["start"], w["end"]) for w in truth["words"]]
    if len(predicted) != len(true):
        raise ValueError(f"{len(predicted)} aligned words for {len(true)} true words in {truth['sentence']!r}")
    return np.abs(np.array(predicted) - np.array(true)).ravel()


def summary(values: np.ndarray) -> dict:
    return {
        "mean_ms": round(float(values.mean()) * 1000, 1),
        "median_ms": round(float(np.median(values)) * 1000, 1),
        "p90_ms": round(float(np.percentile(values, 90)) * 1000, 1),
        "within_1_frame": round(float(np.mean(values <= FRAME_S)), 3),
        "within_2_frames": round(float(np.mean(values <= 2 * FRAME_S)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--speakers", type=int, default=3)
    parser.add_argument("--sentences", nargs="*", default=["0", "3", "6", "12", "14", "16"])
    args = parser.parse_args()
    params = params_mod.load(args.params)
    params["synth"] = {**params["synth"], "speakers": args.speakers, "sentence_ids": args.sentences,
                       "extra_sentences": None}
    results = {"aeneas": [], "proportional": []}
    seconds = {"synth": 0.0, "aeneas": 0.0}
    with tempfile.TemporaryDirectory(prefix="lipflow-bench-") as work:
        root = Path(work) / "corpus"
        planned = planned_clips(params)
        for relpath in planned:
            started = time.perf_counter()
            synthesize_clip(params, relpath, root)
            seconds["synth"] += time.perf_counter() - started
            truth = read_json(root / relpath.replace(VIDEO_SUFFIX, TRUTH_SUFFIX))
            started = time.perf_counter()
            results["aeneas"].append(errors(aeneas_words(root / relpath, truth, params, Path(work)), truth))
            seconds["aeneas"] += time.perf_counter() - started
            results["proportional"].append(errors(proportional_words(truth), truth))
    figures = {name: summary(np.concatenate(values)) for name, values in results.items()}
    boundaries = sum(len(v) for v in results["aeneas"])
    print(f"{len(planned)} clips, {boundaries} word boundaries; align params: {params['align']}")
    print(f"{'method':<14}{'mean ms':>9}{'median ms':>11}{'p90 ms':>9}{'<=1 frame':>11}{'<=2 frames':>12}")
    for name, row in figures.items():
        print(f"{name:<14}{row['mean_ms']:>9}{row['median_ms']:>11}{row['p90_ms']:>9}"
              f"{row['within_1_frame']:>11}{row['within_2_frames']:>12}")
    print(f"generation {seconds['synth'] / len(planned):.2f} s/clip, "
          f"aeneas {seconds['aeneas'] / len(planned):.2f} s/clip")
    print(json.dumps({
        "clips": len(planned), "boundaries": boundaries,
        **{f"{name}_{key}": value for name, row in figures.items() for key, value in row.items()},
        "synth_s_per_clip": round(seconds["synth"] / len(planned), 3),
        "aeneas_s_per_clip": round(seconds["aeneas"] / len(planned), 3),
    }))


if __name__ == "__main__":
    main()
