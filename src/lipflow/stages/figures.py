"""Stage 10: ``reports/figures/``, the figures of the Snakemake report, from the vanilla run's
training history and evaluation tables and from a few aligned clips."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from .. import figures, layout, media
from ..alignfile import read_align
from ..errors import LipflowError
from ..files import read_json
from ..project import Project, load
from ..records import load_record
from ..scoring.decoders import BEAM

ALIGNED_CLIPS = 3
"""Clips drawn in the alignment figure: the first ones, by key, that aligned."""


def held_out_split(run: str, splits: list[str]) -> str:
    """Test when the evaluation scored it, else val: the split the per-speaker and confusion figures show."""
    for split in ("test", "val"):
        if split in splits and (layout.eval_reports(run) / f"per_speaker_{split}.tsv").is_file():
            return split
    raise LipflowError(f"evaluate.splits {splits}: the evaluation scored neither val nor test (run lipflow evaluate)")


def aligned_clips(project: Project, sample_rate: int) -> list[figures.AlignedClip]:
    keys = sorted(clip.key for clip in project.discover()[0])
    clips = []
    with tempfile.TemporaryDirectory() as folder:
        for key in [key for key in keys if load_record("align", key).ok][:ALIGNED_CLIPS]:
            wav = Path(folder) / "audio.wav"
            media.extract_audio(layout.artefact("fps", key), wav, sample_rate)
            samples, rate = figures.read_wav(wav)
            clips.append(figures.AlignedClip(key, samples, rate, read_align(layout.artefact("align", key))))
    return clips


def main(params_path: Path, options: dict) -> str:
    project = load(params_path)
    params = project.params
    run = params["train"]["run"]
    files = layout.FIGURE_FILES
    training = read_json(layout.train_reports(run) / "metrics.json")
    history = pd.read_csv(layout.train_reports(run) / "history.tsv", sep="\t")
    figures.training_curves(history, training["best_epoch"], f"{run} ({params['model']['variant']})",
                            files["training_curves"])
    split = held_out_split(run, params["evaluate"]["splits"])
    speakers = pd.read_csv(layout.eval_reports(run) / f"per_speaker_{split}.tsv", sep="\t")
    figures.per_speaker_bars(speakers, BEAM, f"{run}: {split} error per speaker", files["per_speaker"])
    confusion = pd.read_csv(layout.eval_reports(run) / f"confusion_{split}_visemes.tsv", sep="\t", index_col=0)
    figures.plot_confusion(files["confusion"], confusion, f"Viseme class confusion, {split} split (row shares)",
                           BEAM)
    figures.alignment_plot(aligned_clips(project, params["fps"]["audio_sample_rate"]),
                           params["fps"]["fps"], files["alignment"])
    return f"{layout.FIGURES}: {', '.join(path.name for path in files.values())} ({split} split)"
