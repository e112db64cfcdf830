"""Stage 9d: generated speech scored with STOI, ESTOI and the recogniser's WER, beside floor and ceiling ->
``reports/eval/<l2s.run>/``."""

from __future__ import annotations

from pathlib import Path

from .. import layout
from .. import params as params_mod
from ..l2s import evaluate, train
from ..threads import limit_threads


def main(params_path: Path, options: dict) -> str:
    params = params_mod.load(params_path)
    limit_threads(params, "train.threads")
    run = options["run"] or params["l2s"]["run"]
    summary = evaluate.evaluate_generator(params, Path(options["model"] or layout.best_model(run)),
                                          train.RECOGNISER_MODEL, run)
    lines = []
    for split, numbers in summary.items():
        for system in (*evaluate.SYSTEMS, evaluate.REAL):
            row = numbers[system]
            stoi = f"STOI {row['stoi']:.3f} ESTOI {row['estoi']:.3f} " if "stoi" in row else ""
            lines.append(f"{split} {system}: {stoi}WER {row['wer']:.3f} CER {row['cer']:.3f}")
    return "\n".join([*lines, f"report: {layout.eval_reports(run) / layout.SPEECH_REPORT / 'summary.md'}"])
