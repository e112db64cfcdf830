"""The report's figures: drawn from the tables the stages write, the same bytes when redrawn."""

from __future__ import annotations

import wave

import numpy as np
import pandas as pd
from matplotlib.image import imread

from lipflow import figures
from lipflow.alignfile import Segment


def history() -> pd.DataFrame:
    epochs = np.arange(1, 11)
    return pd.DataFrame({"epoch": epochs, "train_loss": 100 / epochs, "val_loss": 110 / epochs + epochs,
                         "val_cer": 1 / epochs, "val_wer": 1.2 / epochs})


def test_each_figure_is_a_png_drawn_the_same_way_twice(tmp_path):
    speakers = pd.DataFrame({"speaker": ["s1", "s2"], "clips": [5, 7], "beam_cer": [0.1, 0.3], "beam_wer": [0.2, 0.5]})
    confusion = pd.DataFrame([[3, 1, 0], [0, 2, 2], [1, 0, 0]], index=["p", "a", "<none>"],
                             columns=["p", "a", "<none>"])
    rate = 16000
    tone = (0.5 * np.sin(np.linspace(0, 2000, rate)) * 32767).astype(np.int16)
    with wave.open(str(tmp_path / "clip.wav"), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(tone.tobytes())
    samples, read_rate = figures.read_wav(tmp_path / "clip.wav")
    assert read_rate == rate and samples.min() >= -1 and abs(samples.max() - 0.5) < 1e-3
    segments = [Segment(0, 5000, "sil"), Segment(5000, 15000, "prego"), Segment(15000, 25000, "sil")]

    def draw(folder):
        figures.training_curves(history(), 7, "vanilla", folder / "curves.png")
        figures.per_speaker_bars(speakers, "beam", "test error per speaker", folder / "speakers.png")
        figures.plot_confusion(folder / "confusion.png", confusion, "Viseme class confusion", "beam")
        figures.alignment_plot([figures.AlignedClip("s1/18-AB", samples, rate, segments)] * 2, 25.0,
                               folder / "alignment.png")
        return {path.name: path.read_bytes() for path in folder.iterdir()}

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = draw(tmp_path / "a"), draw(tmp_path / "b")
    assert set(first) == {"curves.png", "speakers.png", "confusion.png", "alignment.png"} and first == second
    height, width, _ = imread(tmp_path / "a" / "alignment.png").shape
    assert height > 200 and width > 600, "two clips stacked, full width"
