"""The CTC loss every trainer uses, with the blank at class 0 (``lipflow.text.BLANK``).

Keras 3 and TensorFlow both take the blank index as an argument; passing it explicitly
keeps the legacy "blank is the last class" convention from creeping back in.
"""

from __future__ import annotations

import keras

from ..text import BLANK


def ctc_loss(labels, label_lengths, logits):
    """Per-clip CTC negative log-likelihood; ``labels`` are padded class indices (B x L)."""
    logits = keras.ops.cast(logits, "float32")
    batch, frames = keras.ops.shape(logits)[0], keras.ops.shape(logits)[1]
    logit_lengths = keras.ops.full((batch,), frames, dtype="int32")
    return keras.ops.ctc_loss(labels, logits, label_lengths, logit_lengths, mask_index=BLANK)
