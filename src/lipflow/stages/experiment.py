"""Vanilla against online distillation over ``experiment.seeds``, from the sweep's runs -> ``reports/experiments/``."""

from __future__ import annotations

from pathlib import Path

from .. import experiment
from ..project import load


def main(params_path: Path, options: dict) -> str:
    return experiment.run(load(params_path))
