"""What the vanilla-vs-KD sweep is made of: each protocol's split table and each run's name, which
the stage table (paths of each run's stage) and the experiment code spell the same way."""

from __future__ import annotations

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


def protocol_split(params: dict, protocol: str) -> Path:
    """``data/split/protocols/<protocol>.tsv``: the project's split table as it is (``split``), or
    the same clips re-split in that mode (same seed and fractions). Rewritten only when it
    changes, so the runs that read it are not redone for nothing."""
    from . import splitfile  # both load numpy, which the CLI's start-up (it wants only the run names) need not
    from .splitting import assign

    rows = splitfile.read(layout.SPLIT_TABLE)
    if protocol != PROJECT_SPLIT:
        for row in rows:
            if not row.reason:
                row.split = splitfile.EXCLUDED
        assign(rows, {**params["split"], "mode": protocol}, params["seed"])
    dest = layout.protocol_split_table(protocol)
    if not dest.is_file() or dest.read_text(encoding="utf-8") != splitfile.to_tsv(rows):
        splitfile.write(dest, rows)
    return dest
