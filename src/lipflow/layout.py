"""Where each stage writes, relative to the project root (the folder holding params.yaml)."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

DATA = Path("data")
REPORTS = Path("reports")
STAGE_DIRS = {
    "synth": DATA / "synth",
    "fps": DATA / "fps",
    "fragments": DATA / "fragments",
    "align": DATA / "align_json",
    "align_convert": DATA / "align",
    "mouth": DATA / "mouth",
    "split": DATA / "split",
}
METRICS = REPORTS / "metrics"
MODELS_DIR = Path("models")
BEST_MODEL = "model.keras"
"""A training run's model for evaluation and prediction, in ``models/<run>/``."""


def stage_dir(stage: str) -> Path:
    return STAGE_DIRS[stage]


def artefact(stage: str, clip_key: str, suffix: str) -> Path:
    """The file a stage writes for a clip beside its record, e.g. ``data/fps/s1/0-AB.mp4``."""
    return STAGE_DIRS[stage] / f"{clip_key}{suffix}"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def code_hash(*modules) -> str:
    """Hash of the modules a stage's result depends on, so a code change invalidates its records."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]
