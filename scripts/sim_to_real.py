"""Sim-to-real: does a model trained on the GRID-like embedded corpus read real GRID lips at all?

Usage (after ``bash scripts/study.sh studies/sim_to_real synth fps align landmarks mouth split train``):
    python scripts/sim_to_real.py [--study studies/sim_to_real] [--fixtures ../shared/fixtures]
Every real GRID clip of the fixtures (``grid*/<code>.mpg``; the name spells the sentence) goes
through ``lipflow predict``'s code (25 fps, landmarks, crops, the evaluate stage's decoders); the
scores sit beside the floor, the most frequent training sentence read for every clip, and the
synthetic test split's own score. Writes <study>/reports/sim_to_real.json and .md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path, default=REPO / "studies" / "sim_to_real")
    parser.add_argument("--fixtures", type=Path, default=REPO.parent / "shared" / "fixtures")
    args = parser.parse_args()
    fixtures = args.fixtures.resolve()
    os.chdir(args.study)

    from lipflow import grid, layout
    from lipflow.evaluate import floors
    from lipflow.evaluate.run import read_split, summarise
    from lipflow.files import read_json, write_json, write_text
    from lipflow.predict import predict
    from lipflow.project import load
    from lipflow.scoring import decoders, metrics

    project = load(Path("params.yaml"))
    params = project.params
    model = layout.best_model(params["train"]["run"])
    videos = sorted(fixtures.glob("grid*/*.mpg"))
    references = [grid.sentence(video.stem) for video in videos]
    hypotheses = [predict(project, video, model).sentences[decoders.BEAM] for video in videos]
    table = read_split()
    floor = floors.most_frequent(list(table[table["split"] == "train"]["label"]))
    resamples, seed = params["evaluate"]["bootstrap_resamples"], params["seed"]
    real = summarise(metrics.score_all(references, hypotheses, project.language), resamples, seed)
    trivial = summarise(metrics.score_all(references, [floor] * len(videos), project.language), resamples, seed)
    synthetic = read_json(layout.eval_reports(params["train"]["run"]) / "metrics.json")["test"]
    report = {
        "model": str(model), "clips": [video.stem for video in videos],
        "predictions": dict(zip([video.stem for video in videos], hypotheses, strict=True)),
        "real_grid": {"beam": real, "floor_most_frequent": trivial},
        "synthetic_test": {key: synthetic[key] for key in (decoders.BEAM, "floor_most_frequent")},
    }
    write_json(Path("reports/sim_to_real.json"), report)

    def cell(numbers: dict, measure: str) -> str:
        return (f"{100 * numbers[measure]:.1f} [{100 * numbers[f'{measure}_low']:.1f}, "
                f"{100 * numbers[f'{measure}_high']:.1f}]")

    lines = ["# Sim-to-real: trained on the GRID-like embedded corpus, read on real GRID clips", "",
             "| clips | reader | CER % [95%] | WER % [95%] |", "|---|---|---|---|"]
    for name, numbers in (("synthetic test", synthetic[decoders.BEAM]),
                          ("synthetic test", synthetic["floor_most_frequent"]),
                          (f"real GRID ({len(videos)})", real), (f"real GRID ({len(videos)})", trivial)):
        reader = "floor (most frequent training sentence)" if numbers in (trivial, synthetic["floor_most_frequent"]) \
            else "model, beam"
        lines.append(f"| {name} | {reader} | {cell(numbers, 'cer')} | {cell(numbers, 'wer')} |")
    lines += ["", "| clip | truth | read |", "|---|---|---|"]
    lines += [f"| {video.stem} | {truth} | {hyp} |"
              for video, truth, hyp in zip(videos, references, hypotheses, strict=True)]
    write_text(Path("reports/sim_to_real.md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
