"""LipNet (Assael et al. 2016) and its smaller variants, built by one function.

The model takes mouth crops exactly as the mouth stage stores them (T x H x W x C pixel
values) and does its own resizing and normalisation, so a saved ``model.keras`` reads raw
arrays: evaluation and prediction need no copy of the training pipeline's preprocessing.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from ..text import NUM_CLASSES
from .layers import VideoBatchNorm

PAPER_VARIANTS = {
    # name: (conv filters per block, GRU units): reference.md section 3
    "lipnet": ((32, 64, 96), 256),
    "lipnet256": ((16, 32, 64), 256),
    "lipnet128": ((16, 32, 64), 128),
}
SMALL = "small"
VARIANTS = (*PAPER_VARIANTS, SMALL)
CONV_BLOCKS = (
    # (zero padding, kernel, strides) of the three 3D convolutions
    ((1, 2, 2), (3, 5, 5), (1, 2, 2)),
    ((1, 2, 2), (3, 5, 5), (1, 1, 1)),
    ((1, 1, 1), (3, 3, 3), (1, 1, 1)),
)
POOL = (1, 2, 2)
PIXEL_MAX = 255.0


@dataclass(frozen=True)
class Architecture:
    filters: tuple[int, int, int]
    gru_units: int
    dropout: float
    frames: int
    height: int
    width: int
    channels: int
    precision: str = "float32"
    """Keras dtype policy of every layer but the float32 logits."""

    @classmethod
    def from_params(cls, params: dict) -> Architecture:
        """The ``model`` section plus T and C of the mouth crops; paper variants fix filters and units."""
        model, mouth = params["model"], params["mouth"]
        filters, units = PAPER_VARIANTS.get(model["variant"], (model["filters"], model["gru_units"]))
        return cls(
            tuple(filters), units, model["dropout"], mouth["frames"],
            model["input_height"], model["input_width"], mouth["channels"], model["precision"],
        )


def build(arch: Architecture, source_size: tuple[int, int] | None = None, normalise: bool = False,
          name: str = "lipnet") -> keras.Model:
    """LipNet over T x source_size x C pixel input (default: the architecture's own size).

    With ``normalise`` the first layer standardises each channel once its statistics are
    set (``model.get_layer("normalise").adapt(frames)``); without, pixels are scaled to
    [0, 1] as in the original.
    """
    policy = arch.precision
    height, width = source_size or (arch.height, arch.width)
    frames = keras.Input((arch.frames, height, width, arch.channels), name="frames")
    if normalise:
        x = keras.layers.Normalization(axis=-1, name="normalise")(frames)
    else:
        x = keras.layers.Rescaling(1.0 / PIXEL_MAX, name="scale")(frames)
    if (height, width) != (arch.height, arch.width):
        x = keras.layers.TimeDistributed(
            keras.layers.Resizing(arch.height, arch.width, interpolation="area"), name="resize")(x)
    for block, (filters, (padding, kernel, strides)) in enumerate(zip(arch.filters, CONV_BLOCKS, strict=True), start=1):
        x = keras.layers.ZeroPadding3D(padding, name=f"pad{block}", dtype=policy)(x)
        x = keras.layers.Conv3D(filters, kernel, strides=strides, kernel_initializer="he_normal",
                                name=f"conv{block}", dtype=policy)(x)
        x = VideoBatchNorm(name=f"bn{block}", dtype=policy)(x)
        x = keras.layers.Activation("relu", name=f"relu{block}", dtype=policy)(x)
        x = keras.layers.SpatialDropout3D(arch.dropout, name=f"dropout{block}", dtype=policy)(x)
        x = keras.layers.MaxPooling3D(POOL, strides=POOL, name=f"pool{block}", dtype=policy)(x)
    x = keras.layers.TimeDistributed(keras.layers.Flatten(), name="flatten", dtype=policy)(x)
    for layer in (1, 2):
        x = keras.layers.Bidirectional(
            keras.layers.GRU(arch.gru_units, return_sequences=True, kernel_initializer="orthogonal", dtype=policy),
            merge_mode="concat", name=f"gru{layer}", dtype=policy)(x)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits", dtype="float32")(x)
    return keras.Model(frames, logits, name=name)


def output_frames(model: keras.Model) -> int:
    """Frames the model emits per clip: the most CTC characters (with repeats) it can spell."""
    return int(model.output_shape[1])


def load_model(path) -> keras.Model:
    """A saved ``model.keras``; importing this package registered lipflow's layers, so no custom objects."""
    return keras.saving.load_model(path, compile=False)
