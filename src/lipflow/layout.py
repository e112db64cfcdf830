"""Every path lipflow reads or writes, relative to the project root (the folder of params.yaml).

Stages, training, evaluation, prediction, the Snakemake rules and the generated dvc.yaml
all take their paths from here, so a folder is renamed in one place.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path("data")
MODELS = Path("models")
REPORTS = Path("reports")

CORPUS = DATA / "corpus"
"""Where the synth stage generates the embedded corpus (``dataset.root`` of the synthetic kinds)."""
STAGE_DIRS = {
    "synth": DATA / "synth",
    "fps": DATA / "fps",
    "align": DATA / "align",
    "landmarks": DATA / "landmarks",
    "mouth": DATA / "mouth",
    "split": DATA / "split",
    "mel": DATA / "mel",
}
"""Per-clip stages: where each writes its records and artefacts (``<dir>/<speaker>/<name>.*``)."""
SHARDS = DATA / "shards"
"""Per-clip stages' shard lists (``<stage>/<index>of<count>.tsv``): a Snakemake job's declared output."""
SPLIT_TABLE = STAGE_DIRS["split"] / "split.tsv"
PROTOCOL_SPLITS = STAGE_DIRS["split"] / "protocols"

LOGS = Path("logs")
"""Snakemake job logs (``<rule>/<job>.log``): what a job printed, kept off the console; and
each job's benchmark (``<rule>/<job>.benchmark.tsv``), which ``lipflow timings`` sums."""
MANIFESTS = REPORTS / "manifests"
METRICS = REPORTS / "metrics"
ALIGNMENT_METRICS = METRICS / "alignment.json"
SPLIT_METRICS = METRICS / "split.json"
MOUTH_PREVIEWS = REPORTS / "mouth_preview"
TRAIN_REPORTS = REPORTS / "train"
EVAL_REPORTS = REPORTS / "eval"
EXPERIMENT_REPORTS = REPORTS / "experiments"
FIGURES = REPORTS / "figures"
FIGURE_FILES = {name: FIGURES / f"{name}.png" for name in ("training_curves", "per_speaker", "confusion", "alignment")}
"""The figures stage's PNGs (reports/figures/), which the Snakemake report shows with captions."""

SPEECH_REPORT = "report"
"""Beside a lip-to-speech evaluation's metrics.json: its summary, tables, WAVs and spectrograms."""

BEST_MODEL = "model.keras"
"""A training run's model for evaluation and prediction, in ``models/<run>/``."""
RECORD_SUFFIX = ".record.json"
TRUTH_SUFFIX = ".truth.json"
"""Beside a generated clip: the words and phonemes it really says, with their times."""
SUFFIXES = {"fps": ".mp4", "align": ".align", "landmarks": ".npz", "mouth": ".npz", "mel": ".npz"}
"""The artefact each per-clip stage writes beside its record."""
FRAGMENTS_SUFFIX = ".fragments.txt"
AENEAS_SUFFIX = ".aeneas.json"
"""Beside a clip's .align: the fragment text and aeneas's sync map it was converted from."""


def stage_dir(stage: str) -> Path:
    return STAGE_DIRS[stage]


def record(stage: str, clip_key: str) -> Path:
    """The record a per-clip job always leaves (its declared output), e.g. ``data/fps/s1/0-AB.record.json``."""
    return STAGE_DIRS[stage] / f"{clip_key}{RECORD_SUFFIX}"


def artefact(stage: str, clip_key: str) -> Path:
    """The file a stage writes for a clip beside its record, e.g. ``data/fps/s1/0-AB.mp4``."""
    return STAGE_DIRS[stage] / f"{clip_key}{SUFFIXES[stage]}"


def fragments(clip_key: str) -> Path:
    return STAGE_DIRS["align"] / f"{clip_key}{FRAGMENTS_SUFFIX}"


def aeneas_map(clip_key: str) -> Path:
    return STAGE_DIRS["align"] / f"{clip_key}{AENEAS_SUFFIX}"


def shard_list(stage: str, shard: str) -> Path:
    """What the job of one shard (``<index>of<count>``) of a per-clip stage leaves: its clips' statuses."""
    return SHARDS / stage / f"{shard}.tsv"


def log(rule: str, job: str = "") -> Path:
    return LOGS / rule / f"{job or rule}.log"


def benchmark(rule: str, job: str = "") -> Path:
    """Snakemake's measurement of one job (wall and CPU seconds, peak memory), beside its log."""
    return LOGS / rule / f"{job or rule}.benchmark.tsv"


def manifest(stage: str) -> Path:
    return MANIFESTS / f"{stage}.tsv"


def model_dir(run: str) -> Path:
    return MODELS / run


def best_model(run: str) -> Path:
    return MODELS / run / BEST_MODEL


def train_reports(run: str) -> Path:
    return TRAIN_REPORTS / run


def eval_reports(run: str) -> Path:
    return EVAL_REPORTS / run


def protocol_split_table(mode: str) -> Path:
    """Where ``lipflow experiment`` writes the project's clips re-split in another mode."""
    return PROTOCOL_SPLITS / f"{mode}.tsv"
