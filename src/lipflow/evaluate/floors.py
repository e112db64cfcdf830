"""What a trivial method scores on the same split: the floor beside every model result.

Two floors, neither learns anything from pixels:

- ``most_frequent``: every clip is read as the most frequent training sentence (ties: the
  alphabetically first), what a reader that ignores the video gets on a closed set.
- ``nearest_clip``: every clip is read as the label of the training clip nearest to it by two
  trivial features of the mouth: how long the mouth moves (speech duration) and the profile
  of the lips' opening over that time (inner-lip gap over mouth width, resampled to a fixed
  number of bins). Features are standardised with the training clips' statistics.

A model that does not beat both has not learnt to read lips on this split.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .. import layout, mouthfile
from ..mouthfile import INNER_LIP_BOTTOM, INNER_LIP_TOP, MOUTH_CORNERS, PADDED

MOST_FREQUENT = "floor_most_frequent"
NEAREST_CLIP = "floor_nearest_clip"
PROFILE_BINS = 16
MOVING_SHARE = 0.25
"""A frame counts as speech when its opening exceeds the clip's minimum by this share of its range."""


def most_frequent(train_labels: list[str]) -> str:
    counts = Counter(train_labels)
    return min(counts, key=lambda label: (-counts[label], label))


def opening(landmarks: np.ndarray) -> np.ndarray:
    """Per frame: the inner lips' gap over the mouth's width (scale-free)."""
    gap = np.linalg.norm(landmarks[:, INNER_LIP_TOP] - landmarks[:, INNER_LIP_BOTTOM], axis=1)
    width = np.linalg.norm(landmarks[:, MOUTH_CORNERS[1]] - landmarks[:, MOUTH_CORNERS[0]], axis=1)
    return gap / np.maximum(width, 1e-6)


def features(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Speech duration (share of the clip's real frames) and the opening profile during it."""
    real = arrays["mask"] != PADDED
    values = opening(arrays["landmarks"][real])
    low, high = values.min(), values.max()
    moving = np.flatnonzero(values > low + MOVING_SHARE * (high - low)) if high > low else np.arange(len(values))
    span = values[moving[0]:moving[-1] + 1]
    profile = np.interp(np.linspace(0, len(span) - 1, PROFILE_BINS), np.arange(len(span)), span)
    return np.concatenate([[len(span) / len(values)], profile])


def clip_features(clip_keys: list[str]) -> np.ndarray:
    return np.stack([features(mouthfile.read_all(layout.artefact("mouth", key))) for key in clip_keys])


def nearest_clip(train_features: np.ndarray, train_labels: list[str], features_: np.ndarray) -> list[str]:
    """The label of the nearest training clip for each row of ``features_``."""
    mean, std = train_features.mean(axis=0), train_features.std(axis=0)
    std[std == 0] = 1.0
    train, query = (train_features - mean) / std, (features_ - mean) / std
    distances = ((query[:, None, :] - train[None, :, :]) ** 2).sum(axis=2)
    return [train_labels[index] for index in distances.argmin(axis=1)]
