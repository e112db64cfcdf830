"""Where a Snakemake run's time went, per rule, from the engine's own job benchmarks.

Every rule declares a ``benchmark:`` file (``logs/<rule>/<job>.benchmark.tsv``) in which
Snakemake records the job's wall seconds, CPU seconds and peak memory; this sums them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from . import layout

BENCHMARK_SUFFIX = ".benchmark.tsv"


@dataclass
class RuleTime:
    rule: str
    jobs: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0


def _number(text: str | None) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):  # "NA" when a job ended too fast to be sampled
        return 0.0


def summarise(logs: Path = layout.LOGS) -> list[RuleTime]:
    """One row per rule with benchmark files under ``logs``, the longest wall time first."""
    rules: dict[str, RuleTime] = {}
    for path in sorted(Path(logs).glob(f"*/*{BENCHMARK_SUFFIX}")):
        row = rules.setdefault(path.parent.name, RuleTime(path.parent.name))
        with open(path, newline="") as handle:
            for measured in csv.DictReader(handle, delimiter="\t"):
                row.jobs += 1
                row.wall_s += _number(measured.get("s"))
                row.cpu_s += _number(measured.get("cpu_time"))
                row.max_rss_mb = max(row.max_rss_mb, _number(measured.get("max_rss")))
    return sorted(rules.values(), key=lambda r: -r.wall_s)


def table(rows: list[RuleTime]) -> str:
    lines = [f"{'rule':<18}{'jobs':>6}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}"]
    lines += [f"{r.rule:<18}{r.jobs:>6}{r.wall_s:>10.1f}{r.cpu_s:>10.1f}{r.max_rss_mb:>10.0f}" for r in rows]
    lines.append(f"{'total':<18}{sum(r.jobs for r in rows):>6}{sum(r.wall_s for r in rows):>10.1f}"
                 f"{sum(r.cpu_s for r in rows):>10.1f}")
    return "\n".join(lines)
