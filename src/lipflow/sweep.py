"""What the vanilla-vs-KD sweep is made of: its methods, protocols' names and each run's name and
outputs, which the stage table (paths of each run's stage) and the experiment code spell the same
way. Kept free of numpy: the CLI's start-up imports it through the stage table."""

from __future__ import annotations

import json
from pathlib import Path

from . import layout

METHODS = ("vanilla", "kd")
PREFIX = "experiment"
PROJECT_SPLIT = "split"
"""The protocol that is the project's own split (``split.mode``, as the split stage wrote it)."""


def run_name(method: str, seed: int | str, protocol: str) -> str:
    """``experiment/<protocol>/<method>-s<seed>``: models/, reports/train/ and reports/eval/ hold it."""
    return f"{PREFIX}/{protocol}/{method}-s{seed}"


def run_outputs(name: str) -> dict[str, Path]:
    """What a finished run leaves, which the report reads: its training metrics, its evaluation's
    metrics and per-clip predictions (the Snakemake rule's declared outputs)."""
    return {"training": layout.train_reports(name) / "metrics.json",
            "metrics": layout.eval_reports(name) / "metrics.json",
            "predictions": layout.eval_reports(name) / "predictions.tsv"}


def finished(name: str, epoch_cap: int) -> bool:
    """Whether a run's outputs are all there and final. Its training metrics are rewritten after every
    epoch, so a run still training (a retrained one still holds its earlier reports) has them too, with
    neither early stopping nor the epoch cap reached."""
    outputs = run_outputs(name)
    if not all(path.is_file() for path in outputs.values()):
        return False
    training = json.loads(outputs["training"].read_text(encoding="utf-8"))
    return training["stopped_early"] or training["epochs"] >= epoch_cap
