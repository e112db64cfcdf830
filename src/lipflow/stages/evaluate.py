"""Stage 8: a trained model scored on the held-out splits -> ``reports/eval/<run>/``."""

from __future__ import annotations

from pathlib import Path

from .. import layout
from ..evaluate import run as evaluate_run
from ..project import load
from ..threads import limit_threads


def main(params_path: Path, options: dict) -> str:
    project = load(params_path)
    limit_threads(project.params, "train.threads")
    run_name = project.params["kd" if options["kd"] else "train"]["run"]
    name = options["name"] or run_name
    summary = evaluate_run.evaluate(project, options["model"] or layout.best_model(run_name), name)
    lines = [f"{split} {decoder}: CER {numbers['cer']:.4f} WER {numbers['wer']:.4f} ({numbers['clips']} clips)"
             for split, decoders in summary.items() for decoder, numbers in decoders.items()
             if isinstance(numbers, dict)]
    return "\n".join([*lines, f"reports: {layout.eval_reports(name)}"])
