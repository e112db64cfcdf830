"""The generator and the recogniser: the content loss reaches the generator, the voice reaches the decoder."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from lipflow import text
from lipflow.l2s.models import (
    FRAMES,
    MEL,
    REFERENCE,
    TEXT,
    GeneratorShape,
    RecogniserError,
    build_generator,
    build_recogniser,
    check_recogniser,
)
from lipflow.l2s.train import SpeechTask, recogniser_frames
from lipflow.train.loop import make_train_step

SHAPE = GeneratorShape(frames=12, height=16, width=24, channels=3, n_mels=20, per_video_frame=4)
MODEL = {"input_height": 16, "input_width": 24, "stem_filters": 4, "residual_filters": [8], "width": 16,
         "encoder_blocks": 1, "heads": 2, "speaker_width": 8, "decoder_channels": 16, "dropout": 0.0}
LABELS = ["ab", "ba c"]


def batch(seed: int = 0):
    rng = np.random.default_rng(seed)
    mel_frames = SHAPE.frames * SHAPE.per_video_frame
    inputs = {FRAMES: rng.uniform(0, 255, (2, SHAPE.frames, SHAPE.height, SHAPE.width, 3)).astype(np.float32),
              MEL: rng.normal(size=(2, mel_frames, SHAPE.n_mels)).astype(np.float32),
              REFERENCE: rng.normal(size=(2, mel_frames, SHAPE.n_mels)).astype(np.float32)}
    labels = np.zeros((2, 6), np.int32)
    for row, label in enumerate(LABELS):
        labels[row, :len(label)] = text.encode(label)
    return inputs, tf.constant(labels), tf.constant([len(label) for label in LABELS], tf.int32)


def frozen_recogniser() -> keras.Model:
    keras.utils.set_random_seed(3)
    recogniser = build_recogniser(SHAPE.n_mels, 8, 8)
    recogniser.trainable = False
    return recogniser


def test_the_recogniser_loss_is_not_zero_and_its_gradient_reaches_the_generator():
    keras.utils.set_random_seed(1)
    generator = build_generator(SHAPE, MODEL)
    task = SpeechTask(generator, frozen_recogniser(), keras.optimizers.Adam(1e-3), {"mel": 0.0, "ctc": 0.0, "asr": 1.0})
    inputs, labels, lengths = batch()
    with tf.GradientTape() as tape:
        terms, _ = task.losses(inputs, labels, lengths, training=True)
        loss = tf.reduce_mean(task.total(terms))
    assert float(loss) > 1.0, "a CTC loss of a random recogniser on a random mel is far from zero"
    gradients = tape.gradient(loss, generator.trainable_variables)
    by_name = {v.path: g for v, g in zip(generator.trainable_variables, gradients, strict=True)}
    for layer in ("mel", "decoder_conv1", "stem_conv", "speaker_dense"):
        reached = [g for name, g in by_name.items() if name.startswith(f"{layer}/") and g is not None]
        assert reached and any(float(tf.reduce_max(tf.abs(g))) > 0 for g in reached), layer
    assert not task.recogniser.trainable_variables, "the recogniser stays frozen"


def test_a_train_step_changes_the_generator_and_not_the_recogniser():
    keras.utils.set_random_seed(2)
    task = SpeechTask(build_generator(SHAPE, MODEL), frozen_recogniser(), keras.optimizers.Adam(1e-2),
                      {"mel": 100.0, "ctc": 1.0, "asr": 1.0})
    before = [w.copy() for w in task.recogniser.get_weights()], [w.copy() for w in task.generator.get_weights()]
    losses = make_train_step(task)(*batch())
    assert set(losses) == {"loss", "mel_l1", "ctc", "asr"} and all(float(v) > 0 for v in losses.values())
    assert all(np.array_equal(a, b) for a, b in zip(before[0], task.recogniser.get_weights(), strict=True))
    assert any(not np.array_equal(a, b) for a, b in zip(before[1], task.generator.get_weights(), strict=True))


def reference_matters(generator: keras.Model) -> bool:
    """Whether the generated mel changes with the reference mel (the voice) while the video stays the same."""
    inputs, _, _ = batch()
    other = {**inputs, REFERENCE: inputs[REFERENCE][::-1] * 3.0 + 1.0}
    first = generator({FRAMES: inputs[FRAMES], REFERENCE: inputs[REFERENCE]}, training=False)[MEL]
    second = generator({FRAMES: other[FRAMES], REFERENCE: other[REFERENCE]}, training=False)[MEL]
    return float(tf.reduce_max(tf.abs(first - second))) > 1e-4


def speaker_blind(generator: keras.Model) -> keras.Model:
    """The same generator with its decoder fed zeros in place of the speaker embedding."""
    encoded = generator.get_layer("conformer1_out_norm").output
    silenced = keras.layers.Lambda(keras.ops.zeros_like)(generator.get_layer("speaker_repeat").output)
    y = generator.get_layer("with_speaker")([encoded, silenced])
    for name in ("upsample", "decoder_conv1", "decoder_conv2", "mel"):
        y = generator.get_layer(name)(y)
    return keras.Model(generator.inputs, {MEL: y})


def test_the_decoder_hears_the_speaker_and_a_speaker_blind_decoder_fails_the_check():
    keras.utils.set_random_seed(4)
    generator = build_generator(SHAPE, MODEL)
    assert reference_matters(generator)
    assert not reference_matters(speaker_blind(generator))


def test_the_text_head_and_the_recogniser_emit_one_frame_per_video_frame():
    generator = build_generator(SHAPE, MODEL)
    outputs = generator({FRAMES: batch()[0][FRAMES], REFERENCE: batch()[0][REFERENCE]})
    assert outputs[TEXT].shape == (2, SHAPE.frames, text.NUM_CLASSES)
    assert outputs[MEL].shape == (2, SHAPE.frames * 4, SHAPE.n_mels)
    mel_frames = SHAPE.frames * 4
    assert frozen_recogniser()(batch()[0][MEL]).shape[1] == recogniser_frames(mel_frames) == SHAPE.frames


def test_a_recogniser_that_reads_other_features_is_refused(tmp_path):
    path = tmp_path / "other.keras"
    build_recogniser(40, 4, 4).save(path)
    with pytest.raises(RecogniserError, match="takes \\(batch, frames, 20\\) log-mels"):
        check_recogniser(path, 20)
    with pytest.raises(RecogniserError, match="not found"):
        check_recogniser(tmp_path / "missing.keras", 20)
    check_recogniser(path, 40)
