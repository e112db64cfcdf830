"""The two networks of lip-to-speech: the speech recogniser and the video-to-mel generator.

Both read what the pipeline stores (log-mel frames; raw mouth-crop pixels) and normalise
inside the model, so a saved ``.keras`` file needs no copy of the training preprocessing.

The generator follows the reference system (reference.md section 6) at CPU size: a 3D
convolution stem and per-frame residual stages, Conformer-style temporal blocks, a CTC text
head, a speaker embedding from a reference mel of *another* utterance of the same speaker
(the original took it from the target itself, which leaks the answer), and a 1D-conv decoder
that emits ``per_video_frame`` mel frames per video frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras

from ..errors import LipflowError
from ..models import load_model
from ..models.layers import VideoBatchNorm
from ..text import NUM_CLASSES

FRAMES, REFERENCE, MEL, TEXT = "frames", "reference", "mel", "text"
"""Input and output names of the generator."""
CONV_KERNEL = 7
"""Frames seen by the depthwise convolution of a Conformer block and by the decoder's convolutions."""


def build_recogniser(n_mels: int, conv_channels: int, gru_units: int, name: str = "asr") -> keras.Model:
    """Log-mel (frames x n_mels) -> CTC logits at a quarter of the frame rate (one per video frame at 25 fps)."""
    mel = keras.Input((None, n_mels), name=MEL)
    x = keras.layers.Normalization(axis=-1, name="normalise")(mel)
    for index in (1, 2):
        x = keras.layers.Conv1D(conv_channels, 5, strides=2, padding="same", activation="relu", name=f"conv{index}")(x)
    x = keras.layers.Bidirectional(keras.layers.GRU(gru_units, return_sequences=True), name="gru")(x)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits", dtype="float32")(x)
    return keras.Model(mel, logits, name=name)


@dataclass(frozen=True)
class GeneratorShape:
    frames: int
    height: int
    width: int
    channels: int
    n_mels: int
    per_video_frame: int


def _residual_stage(x, filters: int, stage: int, dropout: float):
    """Two per-frame 3x3 convolutions (kernel 1 in time), halving height and width, with a projected shortcut."""
    shortcut = keras.layers.Conv3D(filters, 1, strides=(1, 2, 2), name=f"res{stage}_project")(x)
    y = keras.layers.Conv3D(filters, (1, 3, 3), strides=(1, 2, 2), padding="same", name=f"res{stage}_conv1")(x)
    y = VideoBatchNorm(name=f"res{stage}_bn1")(y)
    y = keras.layers.Activation("relu", name=f"res{stage}_relu1")(y)
    y = keras.layers.Conv3D(filters, (1, 3, 3), padding="same", name=f"res{stage}_conv2")(y)
    y = VideoBatchNorm(name=f"res{stage}_bn2")(y)
    y = keras.layers.Add(name=f"res{stage}_add")([shortcut, y])
    y = keras.layers.Activation("relu", name=f"res{stage}_relu2")(y)
    return keras.layers.SpatialDropout3D(dropout, name=f"res{stage}_dropout")(y)


def _feed_forward(x, width: int, dropout: float, name: str):
    y = keras.layers.LayerNormalization(name=f"{name}_norm")(x)
    y = keras.layers.Dense(2 * width, activation="swish", name=f"{name}_up")(y)
    y = keras.layers.Dropout(dropout, name=f"{name}_dropout")(y)
    y = keras.layers.Dense(width, name=f"{name}_down")(y)
    y = keras.layers.Rescaling(0.5, name=f"{name}_half")(y)
    return keras.layers.Add(name=f"{name}_add")([x, y])


def _conformer_block(x, width: int, heads: int, dropout: float, block: int):
    """Macaron feed-forward halves around self-attention and a gated depthwise convolution (Gulati et al. 2020)."""
    name = f"conformer{block}"
    x = _feed_forward(x, width, dropout, f"{name}_ff1")
    y = keras.layers.LayerNormalization(name=f"{name}_attention_norm")(x)
    y = keras.layers.MultiHeadAttention(heads, width // heads, dropout=dropout, name=f"{name}_attention")(y, y)
    x = keras.layers.Add(name=f"{name}_attention_add")([x, y])
    y = keras.layers.LayerNormalization(name=f"{name}_conv_norm")(x)
    value = keras.layers.Dense(width, name=f"{name}_value")(y)
    gate = keras.layers.Dense(width, activation="sigmoid", name=f"{name}_gate")(y)
    y = keras.layers.Multiply(name=f"{name}_glu")([value, gate])
    y = keras.layers.DepthwiseConv1D(CONV_KERNEL, padding="same", name=f"{name}_depthwise")(y)
    y = keras.layers.BatchNormalization(name=f"{name}_conv_bn")(y)
    y = keras.layers.Activation("swish", name=f"{name}_conv_swish")(y)
    y = keras.layers.Dense(width, name=f"{name}_pointwise")(y)
    x = keras.layers.Add(name=f"{name}_conv_add")([x, y])
    x = _feed_forward(x, width, dropout, f"{name}_ff2")
    return keras.layers.LayerNormalization(name=f"{name}_out_norm")(x)


def _speaker_embedding(reference, width: int):
    """A fixed-size, unit-length summary of the reference mel: the voice, not the words."""
    x = keras.layers.Normalization(axis=-1, name="reference_normalise")(reference)
    for index, channels in enumerate((64, 128), start=1):
        x = keras.layers.Conv1D(channels, 5, strides=2, padding="same", activation="relu",
                                name=f"speaker_conv{index}")(x)
    x = keras.layers.GlobalAveragePooling1D(name="speaker_pool")(x)
    x = keras.layers.Dense(width, name="speaker_dense")(x)
    return keras.layers.UnitNormalization(name="speaker_embedding")(x)


def build_generator(shape: GeneratorShape, model: dict, source_size: tuple[int, int] | None = None,
                    name: str = "l2s") -> keras.Model:
    """Crops (T x H x W x C pixels) and a reference mel -> {mel: (T x per_video_frame) x n_mels, text: T x classes}.

    ``model`` is ``params["l2s"]["model"]``. Call :func:`adapt` before training: it sets the
    input statistics and starts the mel output at the training mean.
    """
    height, width = source_size or (shape.height, shape.width)
    frames = keras.Input((shape.frames, height, width, shape.channels), name=FRAMES)
    reference = keras.Input((None, shape.n_mels), name=REFERENCE)
    x = keras.layers.Normalization(axis=-1, name="normalise")(frames)
    if (height, width) != (model["input_height"], model["input_width"]):
        x = keras.layers.TimeDistributed(keras.layers.Resizing(model["input_height"], model["input_width"],
                                                               interpolation="area"), name="resize")(x)
    x = keras.layers.Conv3D(model["stem_filters"], (5, 5, 5), strides=(1, 2, 2), padding="same", name="stem_conv")(x)
    x = VideoBatchNorm(name="stem_bn")(x)
    x = keras.layers.Activation("relu", name="stem_relu")(x)
    for stage, filters in enumerate(model["residual_filters"], start=1):
        x = _residual_stage(x, filters, stage, model["dropout"])
    x = keras.layers.TimeDistributed(keras.layers.GlobalAveragePooling2D(), name="frame_pool")(x)
    x = keras.layers.Dense(model["width"], name="frame_features")(x)
    for block in range(1, model["encoder_blocks"] + 1):
        x = _conformer_block(x, model["width"], model["heads"], model["dropout"], block)
    text = keras.layers.Dense(NUM_CLASSES, name=TEXT, dtype="float32")(x)
    speaker = keras.layers.RepeatVector(shape.frames, name="speaker_repeat")(_speaker_embedding(reference,
                                                                                                model["speaker_width"]))
    y = keras.layers.Concatenate(name="with_speaker")([x, speaker])
    y = keras.layers.UpSampling1D(shape.per_video_frame, name="upsample")(y)
    for index in (1, 2):
        y = keras.layers.Conv1D(model["decoder_channels"], CONV_KERNEL, padding="same", activation="relu",
                                name=f"decoder_conv{index}")(y)
    mel = keras.layers.Conv1D(shape.n_mels, 1, name=MEL, dtype="float32")(y)
    return keras.Model({FRAMES: frames, REFERENCE: reference}, {MEL: mel, TEXT: text}, name=name)


def adapt(generator: keras.Model, train_frames, train_mels, mean_mel) -> None:
    """Input statistics from the training split; the mel output starts at the mean training mel (the floor)."""
    generator.get_layer("normalise").adapt(train_frames)
    generator.get_layer("reference_normalise").adapt(train_mels)
    output = generator.get_layer(MEL)
    kernel, bias = output.get_weights()
    output.set_weights([kernel, mean_mel.astype(bias.dtype)])


class RecogniserError(LipflowError):
    """A recogniser given in l2s.asr.model does not read log-mels or spell lipflow's characters."""


def check_recogniser(path: Path, n_mels: int) -> None:
    if not path.is_file():
        raise RecogniserError(f"l2s.asr.model: {path} not found")
    model = load_model(path)
    if tuple(model.input_shape[1:]) != (None, n_mels) or model.output_shape[-1] != NUM_CLASSES:
        raise RecogniserError(f"l2s.asr.model: {path} maps {model.input_shape} to {model.output_shape}; a recogniser "
                              f"takes (batch, frames, {n_mels}) log-mels and gives (batch, frames, {NUM_CLASSES}) "
                              "CTC logits (blank first, then a-z and space)")
