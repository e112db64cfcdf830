"""The attention module of online distillation (Borza et al. 2022; reference.md section 4).

Each peer gets a weight per clip from scalar descriptors of how well it does on that clip:
one small MLP, shared by every descriptor and every peer, scores each descriptor and
``w = sigmoid(sum over descriptors of MLP(d))``. The MLP is a persistent layer, trained
through the ensemble's loss and checkpointed with the peers.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="lipflow")
class PeerAttention(keras.layers.Layer):
    """Descriptors (B x peers x descriptors) -> peer weights in (0, 1) (B x peers)."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh", name="hidden")
        self.score = keras.layers.Dense(1, name="score")

    def build(self, input_shape):
        self.hidden.build((*input_shape, 1))
        self.score.build((*input_shape, self.units))

    def call(self, descriptors):
        scores = self.score(self.hidden(keras.ops.expand_dims(descriptors, -1)))
        return keras.ops.sigmoid(keras.ops.sum(keras.ops.squeeze(scores, -1), axis=-1))

    def get_config(self):
        return {**super().get_config(), "units": self.units}
