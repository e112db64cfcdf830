"""Mouth extraction: lipflow's tracking extractor against the original per-frame method.

On the same clips, in one run: (a) the original method (dlib detector with 1 upsample on
every frame, 68 landmarks, whole-frame resize, crop), (b) ``lipflow.vision.mouths.extract``
(what the mouth stage runs), (c) decoding alone exactly as (b) decodes, (d) decoding plus the
68 landmarks on every frame with a given box (the ceiling: landmarks cannot be skipped).
Prints a table, then one JSON line. Run from the repository root:
``python benchmarks/mouth_extraction.py [clips...]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from lipflow import mouthfile, params
from lipflow.vision import landmarks, mouths
from lipflow.vision.video import decode

GRID_CLIPS = sorted((Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "grid").glob("*.mpg"))
ORIGINAL_UPSAMPLE = 1
ORIGINAL_HORIZONTAL_PAD = 0.19  # the original multiplied absolute x positions by 1 -/+ this
GOAL_SPEEDUP = 6.0
GOAL_VS_DECODE = 0.5
GOAL_CENTRE_PX = 2.0


def original(video: Path, width: int, height: int) -> np.ndarray:
    """The original extractor's work per frame; returns the crop centres in source pixels."""
    detector, predictor = landmarks.models()
    ratio, centres = None, []
    for frame in decode(video):
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        shape = predictor(rgb, detector(rgb, ORIGINAL_UPSAMPLE)[0])
        points = np.array([(p.x, p.y) for p in shape.parts()][mouthfile.MOUTH], np.float64)
        if ratio is None:
            left = points[:, 0].min() * (1 - ORIGINAL_HORIZONTAL_PAD)
            right = points[:, 0].max() * (1 + ORIGINAL_HORIZONTAL_PAD)
            ratio = width / (right - left)
        resized = cv2.resize(rgb, (round(rgb.shape[1] * ratio), round(rgb.shape[0] * ratio)))
        cx, cy = (points.mean(axis=0) * ratio).round().astype(int)
        crop = resized[cy - height // 2:cy + height // 2, cx - width // 2:cx + width // 2]
        assert crop.shape[:2] == (height, width)
        centres.append(points.mean(axis=0))
    return np.array(centres)


def landmarks_ceiling(video: Path, box) -> None:
    _, predictor = landmarks.models()
    for frame in decode(video):
        predictor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), box)


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=GRID_CLIPS)
    parser.add_argument("--params", type=Path, default=params.DEFAULT_PATH)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each method; the median time counts")
    args = parser.parse_args()
    loaded = params.load(args.params)
    settings, tracking = loaded["mouth"], loaded["landmarks"]
    detector, _ = landmarks.models()
    lengths = {clip: len(decode(clip)) for clip in args.clips}
    boxes = {clip: detector(cv2.cvtColor(decode(clip)[0], cv2.COLOR_BGR2GRAY), 0)[0] for clip in args.clips}
    total = sum(lengths.values())

    seconds = {name: [] for name in ("original", "lipflow", "decode", "ceiling")}
    for _ in range(args.repeats):
        runs = {
            "original": lambda: [original(c, settings["width"], settings["height"]) for c in args.clips],
            "lipflow": lambda: [mouths.extract(c, tracking, {**settings, "frames": lengths[c]}) for c in args.clips],
            "decode": lambda: [decode(c) for c in args.clips],
            "ceiling": lambda: [landmarks_ceiling(c, boxes[c]) for c in args.clips],
        }
        results = {}
        for name, work in runs.items():
            elapsed, results[name] = timed(work)
            seconds[name].append(elapsed)
    fps = {name: total / statistics.median(values) for name, values in seconds.items()}

    distances = np.concatenate([
        np.linalg.norm(((m.boxes[:, :2] + m.boxes[:, 2:]) / 2) - a, axis=1)
        for m, a in zip(results["lipflow"], results["original"], strict=True)
    ])
    figures = {
        "clips": len(args.clips),
        "frames": total,
        "original_fps": round(fps["original"], 1),
        "lipflow_fps": round(fps["lipflow"], 1),
        "decode_fps": round(fps["decode"], 1),
        "ceiling_fps": round(fps["ceiling"], 1),
        "speedup_vs_original": round(fps["lipflow"] / fps["original"], 2),
        "vs_decode": round(fps["lipflow"] / fps["decode"], 3),
        "vs_ceiling": round(fps["lipflow"] / fps["ceiling"], 3),
        "centre_distance_median_px": round(float(np.median(distances)), 2),
        "centre_distance_max_px": round(float(distances.max()), 2),
        "detector_calls": sum(m.details["detector_calls"] for m in results["lipflow"]),
        "repeats": args.repeats,
    }
    figures["goal_speedup_met"] = figures["speedup_vs_original"] >= GOAL_SPEEDUP
    figures["goal_vs_decode_met"] = figures["vs_decode"] >= GOAL_VS_DECODE
    figures["goal_centre_met"] = figures["centre_distance_median_px"] <= GOAL_CENTRE_PX

    print(f"{len(args.clips)} clips, {total} frames, median of {args.repeats} runs")
    print(f"{'method':<52} {'frames/s':>9}")
    for name, label in (("original", "(a) original: detector (1 upsample) every frame"),
                        ("lipflow", "(b) lipflow mouths.extract"),
                        ("decode", "(c) decoding alone (as the extractor decodes)"),
                        ("ceiling", "(d) decoding + 68 landmarks every frame")):
        print(f"{label:<52} {fps[name]:>9.1f}")
    print(f"b/a {figures['speedup_vs_original']:.2f}x (goal >= {GOAL_SPEEDUP}), b/c {figures['vs_decode']:.3f}, "
          f"b/d (vs_ceiling) {figures['vs_ceiling']:.3f}")
    print(f"crop centre distance a-b: median {figures['centre_distance_median_px']} px, "
          f"max {figures['centre_distance_max_px']} px (goal median <= {GOAL_CENTRE_PX})")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
