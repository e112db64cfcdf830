"""A tiny project on disk in the mouth/split formats: 16-frame 16x32 clips of labels 'ab' / 'ba'.

Each letter is drawn as its own pattern (a: bright upper half, b: bright left half) over
half of the clip, with noise, so a small LipNet can learn to read them in a few dozen steps.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from tests.conftest import write_crops

REPO = Path(__file__).resolve().parents[2]
FRAMES, HEIGHT, WIDTH, CHANNELS = 16, 16, 32, 3
LABELS = ("ab", "ba")


def letter_frames(letter: str, count: int, rng: np.random.Generator) -> np.ndarray:
    frames = rng.integers(0, 60, (count, HEIGHT, WIDTH, CHANNELS))
    if letter == "a":
        frames[:, : HEIGHT // 2] += 180
    else:
        frames[:, :, : WIDTH // 2] += 180
    return frames


def clip_frames(label: str, rng: np.random.Generator) -> np.ndarray:
    half = FRAMES // 2
    frames = np.concatenate([letter_frames(label[0], half, rng), letter_frames(label[1], FRAMES - half, rng)])
    return frames.astype(np.uint8)


def write_split(root: Path, rows: list[tuple[str, str, str]]) -> None:
    """rows: (clip, label, split)."""
    path = root / "data/split/split.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["clip", "speaker", "sentence_id", "label", "split", "reason"])
        for clip, label, split in rows:
            writer.writerow([clip, clip.split("/")[0], LABELS.index(label) if label in LABELS else 0, label, split, ""])


def write_clip(root: Path, clip: str, frames: np.ndarray) -> None:
    """The crop file, with the lips opening as the upper half brightens (letter a)."""
    write_crops(root / "data/mouth" / f"{clip}.npz", frames, frames[:, : HEIGHT // 2].mean(axis=(1, 2, 3)) / 255)


def tiny_params(**train) -> dict:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["mouth"].update(frames=FRAMES, height=HEIGHT, width=WIDTH, channels=CHANNELS)
    params["model"].update(variant="small", filters=[4, 8, 8], gru_units=16, dropout=0.1,
                           input_height=HEIGHT, input_width=WIDTH, normalise=True, precision="float32")
    params["train"].update(run="tiny", learning_rate=0.01, batch_size=4, epochs=4, patience=10, keep_checkpoints=2)
    params["train"].update(train)
    return params


@pytest.fixture
def tiny():
    """The helpers and sizes above, for the tests."""
    return SimpleNamespace(frames=FRAMES, height=HEIGHT, width=WIDTH, labels=LABELS, clip_frames=clip_frames,
                           write_clip=write_clip, write_split=write_split, params=tiny_params)


def write_project(root: Path) -> Path:
    """8 training and 2 validation clips and the tiny params.yaml in ``root``."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(10):
        label = LABELS[index % 2]
        clip = f"s{index % 2 + 1}/{index}-T{index}"
        write_clip(root, clip, clip_frames(label, rng))
        rows.append((clip, label, "train" if index < 8 else "val"))
    write_split(root, rows)
    (root / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    return root


@pytest.fixture
def tiny_project(tmp_path, monkeypatch):
    """The tiny project in tmp_path, which becomes the working folder."""
    monkeypatch.chdir(write_project(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def trained_project(tmp_path_factory):
    """A tiny project with one run, ``reference``, trained without a break in this process.

    Yields (project folder, the run's metrics); tests run in the folder.
    """
    from lipflow import params as params_mod
    from lipflow.train import vanilla

    root = write_project(tmp_path_factory.mktemp("trained"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        yield root, vanilla.train(params_mod.load("params.yaml"), run="reference")
