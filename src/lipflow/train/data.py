"""Training input: the split table and per-clip mouth arrays as a ``tf.data`` pipeline.

Everything that could make training fail later (an empty split, a missing or misshapen
array, a label the model cannot spell in its output frames) is checked from the split
table and the array headers before any array is decoded, and reported all at once.

Each epoch's order and augmentation come from one integer seed (shuffle seed plus a
stateless per-clip seed), so an epoch can be replayed exactly after a resume.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from .. import layout, mouthfile
from ..errors import LipflowError
from ..splitfile import EXCLUDED, PARTS, TRAIN, VAL, Row
from ..text import TextError, ctc_min_frames, encode

MEBIBYTE = 1 << 20


class TrainInputError(LipflowError):
    """The training data cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Arrays:
    """Which stored array a clip's examples are: the mouth crops by default, or e.g. the mel stage's log-mels."""

    directory: Path
    name: str = mouthfile.FRAMES
    dtype: str = "uint8"
    describe: str = "mouth.frames, height, width, channels"
    """What sets the expected shape, for the error message."""


@dataclass(frozen=True)
class Augment:
    """Train-only augmentation (reference.md section 3); probabilities of 0 switch a kind off."""

    flip: float
    delete: float
    duplicate: float


def clip_path(directory: Path, clip: str) -> Path:
    """A clip's ``.npz`` in a per-clip stage's folder (the mouth and mel stages write the same suffix)."""
    return Path(directory) / f"{clip}{layout.SUFFIXES['mouth']}"


def check(examples: list[Row], arrays: Arrays | Path, shape: tuple[int, ...],
          output_frames: int, max_label_len: int) -> None:
    """Raise :class:`TrainInputError` listing every problem that would stop training.

    Train and val must hold clips; every train, val and test clip needs an array of
    ``shape`` (by default the uint8 T x H x W x C crops the mouth stage writes, given their
    folder) and a normalised label short enough for CTC to emit in ``output_frames``.
    """
    arrays = arrays if isinstance(arrays, Arrays) else Arrays(Path(arrays))
    problems = [f"the {split} split is empty" for split in (TRAIN, VAL)
                if not any(e.split == split for e in examples)]
    for example in examples:
        if example.split not in (*PARTS, EXCLUDED):
            problems.append(f"{example.clip}: unknown split {example.split!r}")
        if example.split not in PARTS:
            continue
        try:
            encode(example.label)
        except TextError as error:
            problems.append(f"{example.clip}: {error}")
        if len(example.label) > max_label_len:
            problems.append(f"{example.clip}: label has {len(example.label)} characters, "
                            f"more than labels.absolute_max_string_len = {max_label_len}")
        if ctc_min_frames(example.label) > output_frames:
            problems.append(f"{example.clip}: label needs {ctc_min_frames(example.label)} output frames, "
                            f"the model emits {output_frames}")
        path = clip_path(arrays.directory, example.clip)
        try:
            found = mouthfile.frames_shape(path, arrays.name, np.dtype(arrays.dtype))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            problems.append(f"{example.clip}: cannot read {path}: {error}")
            continue
        if found != tuple(shape):
            problems.append(f"{example.clip}: {arrays.name} array has shape {found}, "
                            f"expected {tuple(shape)} ({arrays.describe})")
    if problems:
        raise TrainInputError(f"{len(problems)} problem(s) with the training data:\n  " + "\n  ".join(problems))


def _load(path: bytes, name: bytes) -> np.ndarray:
    return mouthfile.read_frames(path.decode(), name.decode())


class ClipData:
    """Datasets of (frames float32 B x T x H x W x C, labels int32 B x L, label lengths B); or of another
    stored array per clip in place of the frames (:class:`Arrays`)."""

    def __init__(self, examples: list[Row], mouth_dir: Path | Arrays, shape: tuple[int, ...],
                 label_len: int, batch_size: int, augment: Augment, cache_mb: float):
        self.train_examples = [e for e in examples if e.split == TRAIN]
        self.val_examples = [e for e in examples if e.split == VAL]
        self.arrays = mouth_dir if isinstance(mouth_dir, Arrays) else Arrays(Path(mouth_dir))
        self.mouth_dir = self.arrays.directory
        self.shape = shape
        self.label_len = label_len
        self.batch_size = batch_size
        self.augment = augment
        self.cache_mb = cache_mb
        self.train_clips = self._clips(self.train_examples)
        """Un-batched, un-augmented (frames uint8, labels, length) of the train split, cached when it fits."""
        self.val_clips = self._clips(self.val_examples)

    def _clips(self, examples: list[Row]) -> tf.data.Dataset:
        labels = np.zeros((len(examples), self.label_len), np.int32)
        for row, example in enumerate(examples):
            labels[row, :len(example.label)] = encode(example.label)
        lengths = np.array([len(e.label) for e in examples], np.int32)
        files = [str(clip_path(self.mouth_dir, e.clip)) for e in examples]
        dataset = tf.data.Dataset.from_tensor_slices((files, labels, lengths)).map(
            self._read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        if len(examples) * np.prod(self.shape) * np.dtype(self.arrays.dtype).itemsize <= self.cache_mb * MEBIBYTE:
            dataset = dataset.cache()
        return dataset

    def _read(self, path, labels, length):
        frames = tf.numpy_function(_load, [path, self.arrays.name], tf.as_dtype(self.arrays.dtype), stateful=False)
        return tf.ensure_shape(frames, self.shape), labels, length

    def train(self, seed: int) -> tf.data.Dataset:
        """One epoch: shuffled and augmented as ``seed`` dictates."""
        clips = self.train_clips.shuffle(len(self.train_examples), seed=seed, reshuffle_each_iteration=False)
        augmented = tf.data.Dataset.zip(tf.data.Dataset.range(len(self.train_examples)), clips).map(
            lambda index, clip: self._augment(tf.stack([tf.cast(seed, tf.int64), index]), *clip),
            num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return self._batched(augmented)

    def val(self) -> tf.data.Dataset:
        return self._batched(self.val_clips)

    def train_frames(self) -> tf.data.Dataset:
        """Un-augmented training frames, for the input normalisation statistics."""
        return self._batched(self.train_clips).map(lambda frames, labels, lengths: frames)

    def _batched(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        batches = dataset.batch(self.batch_size).map(
            lambda frames, labels, lengths: (tf.cast(frames, tf.float32), labels, lengths),
            num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return batches.prefetch(tf.data.AUTOTUNE)

    def _augment(self, seed, frames, labels, length):
        flip_seed, jitter_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        if self.augment.flip > 0:
            flip = tf.random.stateless_uniform([], flip_seed) < self.augment.flip
            frames = tf.cond(flip, lambda: tf.reverse(frames, axis=[2]), lambda: frames)
        if self.augment.delete > 0 or self.augment.duplicate > 0:
            frames = tf.gather(frames, jitter_indices(jitter_seed, self.shape[0], self.augment))
        return frames, labels, length


def jitter_indices(seed, frames: int, augment: Augment):
    """Frame indices after deleting / duplicating frames, cut or padded (last frame) back to T."""
    draw = tf.random.stateless_uniform([frames], seed)
    copies = tf.where(draw < augment.delete, 0, tf.where(draw < augment.delete + augment.duplicate, 2, 1))
    indices = tf.repeat(tf.range(frames), copies)
    last = tf.cond(tf.size(indices) > 0, lambda: indices[-1], lambda: tf.constant(frames - 1))
    padded = tf.concat([indices, tf.fill([frames], last)], axis=0)
    return padded[:frames]
