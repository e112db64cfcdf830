"""One vanilla run of the sweep: trained with one seed on one protocol's split, then evaluated."""

from __future__ import annotations

from pathlib import Path

from .. import experiment_run
from ..project import load
from ..train import vanilla


def main(params_path: Path, options: dict) -> str:
    return experiment_run.run_one(load(params_path), "vanilla", vanilla.train, options["seed"], options["protocol"])
