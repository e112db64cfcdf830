"""Lip-to-speech training input: crops, their target mel, and a reference mel of the same voice.

The reference is another utterance of the same speaker, never the target itself (the
original system took it from the target, so the decoder could copy the answer). It comes
from the same split part when the speaker has another clip there, else from the speaker's
clips in the other parts (a voice sample, not the words); only a speaker with a single clip
in all is its own reference, and :attr:`SpeechData.self_references` counts those.
Training draws a fresh reference each epoch from the epoch's seed; validation keeps one draw.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import tensorflow as tf

from .. import mouthfile
from ..splitfile import TRAIN, VAL, Row
from ..train.data import Augment, ClipData, clip_path
from .mel import MEL


def reference_candidates(examples: list[Row], pool: list[Row]) -> list[list[int]]:
    """For each example, the indices into ``pool`` of the clips it may take its reference mel from."""
    by_speaker: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(pool):
        by_speaker[row.speaker].append(index)
    candidates = []
    for example in examples:
        others = [i for i in by_speaker[example.speaker] if pool[i].clip != example.clip]
        same_part = [i for i in others if pool[i].split == example.split]
        own = [i for i in by_speaker[example.speaker] if pool[i].clip == example.clip]
        candidates.append(same_part or others or own)
    return candidates


def draw_references(candidates: list[list[int]], seed: int) -> np.ndarray:
    """One candidate per example; ``seed`` may be negative (the loop's epoch seeds are int64)."""
    rng = np.random.default_rng(seed % 2**64)
    return np.array([candidates_of[rng.integers(len(candidates_of))] for candidates_of in candidates], np.int32)


def read_mels(directory: Path, rows: list[Row]) -> np.ndarray:
    return np.stack([mouthfile.read_frames(clip_path(directory, row.clip), MEL) for row in rows])


class SpeechData:
    """Datasets of ({frames, mel, reference}, labels, label lengths), batched; the training loop's data."""

    def __init__(self, examples: list[Row], mouth_dir: Path, mel_dir: Path, crop_shape: tuple[int, ...],
                 label_len: int, batch_size: int, flip: float, cache_mb: float, seed: int):
        self.train_examples = [e for e in examples if e.split == TRAIN]
        self.val_examples = [e for e in examples if e.split == VAL]
        self.pool = [*self.train_examples, *self.val_examples]
        self.mouth_dir, self.mel_dir = Path(mouth_dir), Path(mel_dir)
        self.batch_size, self.flip = batch_size, flip
        self.mels = tf.constant(read_mels(self.mel_dir, self.pool))
        index = {row.clip: i for i, row in enumerate(self.pool)}
        self._train_index = np.array([index[e.clip] for e in self.train_examples], np.int32)
        self._val_index = np.array([index[e.clip] for e in self.val_examples], np.int32)
        self._train_candidates = reference_candidates(self.train_examples, self.pool)
        val_candidates = reference_candidates(self.val_examples, self.pool)
        self._val_references = draw_references(val_candidates, seed)
        self.self_references = sum(candidates == [index[e.clip]] for e, candidates in
                                   zip((*self.train_examples, *self.val_examples),
                                       (*self._train_candidates, *val_candidates), strict=True))
        self.crops = ClipData(examples, self.mouth_dir, crop_shape, label_len, batch_size, Augment(0.0, 0.0, 0.0),
                              cache_mb)

    @property
    def mean_mel(self) -> np.ndarray:
        """The mean training mel frame (n_mels): the floor a generator that ignores the video reaches."""
        return tf.reduce_mean(tf.gather(self.mels, self._train_index), axis=(0, 1)).numpy()

    def _examples(self, clips: tf.data.Dataset, targets: np.ndarray, references: np.ndarray) -> tf.data.Dataset:
        return tf.data.Dataset.zip(clips, tf.data.Dataset.from_tensor_slices((targets, references)))

    def train(self, seed: int) -> tf.data.Dataset:
        """One epoch: references drawn, clips shuffled and flipped as ``seed`` dictates."""
        references = draw_references(self._train_candidates, seed)
        examples = self._examples(self.crops.train_clips, self._train_index, references)
        examples = tf.data.Dataset.zip(tf.data.Dataset.range(len(self.train_examples)), examples)
        shuffled = examples.shuffle(len(self.train_examples), seed=seed, reshuffle_each_iteration=False)
        flipped = shuffled.map(lambda index, example: self._flip(tf.stack([tf.cast(seed, tf.int64), index]), *example),
                               num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return self._batched(flipped)

    def val(self) -> tf.data.Dataset:
        return self._batched(self._examples(self.crops.val_clips, self._val_index, self._val_references))

    def train_frames(self) -> tf.data.Dataset:
        """Un-augmented training crops, for the input statistics."""
        return self.crops.train_frames()

    def train_mels(self) -> np.ndarray:
        return tf.gather(self.mels, self._train_index).numpy()

    def _flip(self, seed, clip, target):
        frames, labels, length = clip
        if self.flip > 0:
            flip = tf.random.stateless_uniform([], seed) < self.flip
            frames = tf.cond(flip, lambda: tf.reverse(frames, axis=[2]), lambda: frames)
        return (frames, labels, length), target

    def _batched(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        def inputs(clip, target):
            (frames, labels, length), (index, reference) = clip, target
            features = {"frames": tf.cast(frames, tf.float32), MEL: tf.gather(self.mels, index),
                        "reference": tf.gather(self.mels, reference)}
            return features, labels, length

        return dataset.map(inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).batch(
            self.batch_size).prefetch(tf.data.AUTOTUNE)
