"""Layers LipNet needs beyond the built-in ones, registered so ``model.keras`` loads by itself."""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="lipflow")
class VideoBatchNorm(keras.layers.BatchNormalization):
    """Channels-last BatchNormalization whose training pass runs TensorFlow's fused kernel.

    Keras normalises 5D (video) tensors with separate moment, scale and shift ops, several
    passes over LipNet's largest activations; the fused kernel, applied to the clip folded
    into a batch of frames, computes the same per-channel statistics (over batch, time,
    height and width) in one pass: about a fifth of a full LipNet step on CPU. Inference,
    frozen layers and masks use the built-in path. Replicas of a distributed step share
    their sums instead, so each normalises with the global batch's statistics, as one
    device would.
    """

    def call(self, inputs, training=None, mask=None):
        channels_last = self.axis % len(inputs.shape) == len(inputs.shape) - 1
        if not (training and self.trainable) or mask is not None or not channels_last:
            return super().call(inputs, training=training, mask=mask)
        shape = tf.shape(inputs)
        frames = tf.reshape(inputs, tf.concat([[-1], shape[-3:]], axis=0))
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            mean, variance = keras.ops.moments(frames, axes=[0, 1, 2], synchronized=True)
            outputs = tf.nn.batch_normalization(frames, mean, variance, tf.cast(self.beta, frames.dtype),
                                                tf.cast(self.gamma, frames.dtype), self.epsilon)
            mean, variance = tf.cast(mean, self.moving_mean.dtype), tf.cast(variance, self.moving_variance.dtype)
        else:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                frames, self.gamma, self.beta, epsilon=self.epsilon, is_training=True)[:3]
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1 - self.momentum))
        return tf.reshape(outputs, shape)
