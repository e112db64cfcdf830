"""Figures of a run, for readers who would rather look than read: training curves, CER per
speaker, a confusion matrix and word alignments over the audio. The evaluation draws its
confusion matrices with :func:`plot_confusion`; the figures stage draws the rest into
``reports/figures/`` for the Snakemake report (``snakemake --report``)."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .alignfile import FRAME_UNIT, Segment, spoken_segments
from .files import atomic_path


def save(figure: Figure, dest: Path) -> None:
    """PNG without the matplotlib version in its metadata: the same figure gives the same bytes."""
    figure.tight_layout()
    with atomic_path(dest) as tmp:
        figure.savefig(tmp, format="png", metadata={"Software": None})


def plot_confusion(dest: Path, table: pd.DataFrame, title: str, decoder: str) -> None:
    """Row shares of a reference x hypothesis count table (a row sums to 1 where it has counts)."""
    totals = table.sum(axis=1).to_numpy()[:, None]
    shares = np.divide(table.to_numpy(), totals, out=np.zeros(table.shape), where=totals > 0)
    figure = Figure(figsize=(9, 8))
    axes = figure.subplots()
    image = axes.imshow(shares, cmap="viridis", vmin=0, vmax=1)
    axes.set_xticks(range(len(table.columns)), table.columns, rotation=90)
    axes.set_yticks(range(len(table.index)), table.index)
    axes.set_xlabel(f"hypothesis ({decoder} decoder)")
    axes.set_ylabel("reference")
    axes.set_title(title)
    figure.colorbar(image, ax=axes)
    save(figure, dest)


def training_curves(history: pd.DataFrame, best_epoch: int, title: str, dest: Path) -> None:
    """CTC loss (train and val) and val CER/WER by epoch, the chosen epoch marked."""
    figure = Figure(figsize=(11, 4))
    losses, errors = figure.subplots(1, 2)
    losses.plot(history["epoch"], history["train_loss"], label="train")
    losses.plot(history["epoch"], history["val_loss"], label="val")
    losses.set(xlabel="epoch", ylabel="CTC loss", title=f"{title}: loss")
    for measure in ("val_cer", "val_wer"):
        errors.plot(history["epoch"], 100 * history[measure], label=measure.replace("_", " ").upper())
    errors.set(xlabel="epoch", ylabel="%", ylim=(0, None), title=f"{title}: validation error")
    for axes in (losses, errors):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch {best_epoch}")
        axes.legend()
    save(figure, dest)


def per_speaker_bars(table: pd.DataFrame, decoder: str, title: str, dest: Path) -> None:
    """Corpus CER and WER of each speaker (a bar each), with its clip count."""
    figure = Figure(figsize=(8, 1.2 + 0.45 * len(table)))
    axes = figure.subplots()
    rows = np.arange(len(table))
    axes.barh(rows - 0.2, 100 * table[f"{decoder}_cer"], height=0.4, label="CER")
    axes.barh(rows + 0.2, 100 * table[f"{decoder}_wer"], height=0.4, label="WER")
    axes.set_yticks(rows, [f"{speaker} ({clips} clips)"
                           for speaker, clips in zip(table["speaker"], table["clips"], strict=True)])
    axes.invert_yaxis()
    axes.set(xlabel=f"% ({decoder} decoder)", title=title)
    axes.legend()
    save(figure, dest)


@dataclass
class AlignedClip:
    key: str
    samples: np.ndarray
    sample_rate: int
    segments: list[Segment]


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono 16-bit PCM (what :func:`lipflow.media.extract_audio` writes) as floats in [-1, 1]."""
    with wave.open(str(path), "rb") as handle:
        frames = handle.readframes(handle.getnframes())
        return np.frombuffer(frames, np.int16).astype(np.float32) / 32768, handle.getframerate()


def alignment_plot(clips: list[AlignedClip], fps: float, dest: Path) -> None:
    """Each clip's waveform with its aligned words as shaded spans (``sil`` and ``sp`` left blank)."""
    figure = Figure(figsize=(11, 2.4 * len(clips)))
    for axes, clip in zip(np.atleast_1d(figure.subplots(len(clips), 1)), clips, strict=True):
        seconds = np.arange(len(clip.samples)) / clip.sample_rate
        axes.plot(seconds, clip.samples, color="0.25", linewidth=0.4)
        for index, segment in enumerate(spoken_segments(clip.segments)):
            begin, end = (t / FRAME_UNIT / fps for t in (segment.begin, segment.end))
            axes.axvspan(begin, end, color=f"C{index % 10}", alpha=0.25)
            axes.text((begin + end) / 2, 1.01, segment.word, ha="center", va="bottom", fontsize=9,
                      transform=axes.get_xaxis_transform())
        axes.set(xlim=(0, seconds[-1] if len(seconds) else 1), ylabel=clip.key, yticks=[])
    figure.axes[-1].set_xlabel("seconds")
    save(figure, dest)
