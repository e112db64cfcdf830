"""The ``train-kd`` stage: online knowledge distillation with attention-based ensembling.

A cohort of peers and the attention module train together in one step of the shared loop
(reference.md section 4): the teacher is the attention-weighted ensemble of the peers, and

    L = CTC(z_e) + sum_i [CTC(z_i) + lambda * T^2 * KL(softmax(z_e / T) || softmax(z_i / T))]

with the teacher detached in the KL. Everything is TensorFlow ops in one gradient tape, so
the ensemble and KL terms reach the peers and the attention MLP (the original computed them
in NumPy, outside the gradient). The ensemble mixes the peers' log-probabilities, so peers
whose logits differ by a per-frame constant mix as the distributions they stand for.

Descriptors are cheap per-clip scalars of each peer's output against the labels, detached
from the gradient (they say how much to trust a peer, the peer is not trained to look
trustworthy): ``likelihood`` = exp(-CTC / label length), the per-character probability of
the truth, and ``confidence`` = the mean over frames of the top class probability. Because
the weights need the labels, the ensemble is a training-time teacher: it is validated with
the labels too (``val_cer`` in the history, reported beside the students), and no
frames-only ``ensemble.keras`` exists. For the same reason it never picks the best epoch:
that is the epoch of the lowest val CER of the best student, the model that is deployed.
The peers of that epoch are saved and that student becomes ``model.keras``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .. import layout
from ..files import write_json
from ..models import ctc_loss, output_frames
from ..models.attention import PeerAttention
from ..params import ParamsError, fingerprint
from .data import ClipData
from .loop import Trainer
from .setup import (
    distribution,
    load_data,
    loop_config,
    make_deterministic,
    make_model,
    make_optimizer,
    run_paths,
    training_seed,
)

ENSEMBLE = "ensemble"
NOT_FINGERPRINTED = ("run",)
"""kd keys a resumed run may change."""


def peer_name(index: int) -> str:
    return f"peer{index}"


def peer_seed(seed: int, index: int) -> int:
    """Distinct, reproducible initial seed of peer ``index`` (the attention module takes index N)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def likelihood(losses, label_lengths, logits):
    return keras.ops.exp(-losses / keras.ops.cast(label_lengths, losses.dtype))


def confidence(losses, label_lengths, logits):
    return keras.ops.mean(keras.ops.max(keras.ops.softmax(logits), axis=-1), axis=-1)


DESCRIPTORS = {"likelihood": likelihood, "confidence": confidence}
"""Per-clip descriptor of a peer, from its CTC losses (B), the label lengths (B) and its logits."""


def distillation_kl(teacher, student, temperature: float):
    """Per-clip KL(softmax(teacher / T) || softmax(student / T)), per frame and summed over frames."""
    teacher_log = keras.ops.log_softmax(tf.stop_gradient(teacher) / temperature)
    student_log = keras.ops.log_softmax(student / temperature)
    return keras.ops.sum(keras.ops.exp(teacher_log) * (teacher_log - student_log), axis=(1, 2))


def best_student(row: dict, names: list[str]) -> str:
    """The peer with the lowest val CER in ``row`` (ties: lower val loss)."""
    return min(names, key=lambda name: (row[f"val_cer_{name}"], row[f"val_loss_{name}"]))


class KDTask:
    """Peers and the attention module, one optimizer over all of them."""

    monitor = ENSEMBLE

    def __init__(self, peers: dict[str, keras.Model], attention: PeerAttention,
                 optimizer: keras.optimizers.Optimizer, kd_lambda: float, temperature: float,
                 descriptors: list[str]):
        self.models = peers
        self.attention = attention
        self.optimizer = optimizer
        self.kd_lambda = kd_lambda
        self.temperature = temperature
        self.descriptors = [DESCRIPTORS[name] for name in descriptors]
        self.variables = [v for peer in peers.values() for v in peer.trainable_variables]
        self.variables += attention.trainable_variables
        optimizer.build(self.variables)

    def ensemble(self, logits: list, labels, label_lengths):
        """Teacher log-probabilities (B x T x classes), peer weights (B x N), per-clip peer CTC losses."""
        losses = [ctc_loss(labels, label_lengths, peer_logits) for peer_logits in logits]
        described = keras.ops.stack([
            keras.ops.stack([describe(loss, label_lengths, peer_logits) for describe in self.descriptors], axis=-1)
            for loss, peer_logits in zip(losses, logits, strict=True)], axis=1)
        weights = self.attention(tf.stop_gradient(described))
        log_probs = keras.ops.stack([keras.ops.log_softmax(peer_logits) for peer_logits in logits], axis=1)
        mixed = keras.ops.sum(weights[:, :, None, None] * log_probs, axis=1)
        return mixed / keras.ops.sum(weights, axis=1)[:, None, None], weights, losses

    def losses(self, frames, labels, label_lengths, training: bool) -> dict:
        """The total loss first, then its parts: CTC of the ensemble and of each peer, KL of each peer."""
        logits = [peer(frames, training=training) for peer in self.models.values()]
        teacher, weights, peer_losses = self.ensemble(logits, labels, label_lengths)
        ensemble_ctc = keras.ops.mean(ctc_loss(labels, label_lengths, teacher))
        peer_ctc = [keras.ops.mean(loss) for loss in peer_losses]
        kl = [keras.ops.mean(distillation_kl(teacher, peer_logits, self.temperature)) for peer_logits in logits]
        kd = self.kd_lambda * self.temperature ** 2 * keras.ops.sum(keras.ops.stack(kl))
        parts = {"ctc_ensemble": ensemble_ctc, "kd": kd}
        for index, name in enumerate(self.models):
            parts[f"ctc_{name}"] = peer_ctc[index]
            parts[f"kl_{name}"] = kl[index]
            parts[f"weight_{name}"] = keras.ops.mean(weights[:, index])
        return {"loss": ensemble_ctc + keras.ops.sum(keras.ops.stack(peer_ctc)) + kd, **parts}

    def train_losses(self, frames, labels, label_lengths):
        return self.losses(frames, labels, label_lengths, training=True)

    def predict(self, frames, labels, label_lengths):
        logits = [peer(frames, training=False) for peer in self.models.values()]
        return {ENSEMBLE: self.ensemble(logits, labels, label_lengths)[0],
                **dict(zip(self.models, logits, strict=True))}

    def measures(self, frames, labels, label_lengths) -> dict:
        return {}

    def selection(self, row: dict) -> tuple[float, float]:
        student = best_student(row, list(self.models))
        return row[f"val_cer_{student}"], row[f"val_loss_{student}"]

    def best_models(self, row: dict) -> dict[str, keras.Model]:
        saved = {f"{name}.keras": peer for name, peer in self.models.items()}
        return {**saved, layout.BEST_MODEL: self.models[best_student(row, list(self.models))]}

    def trackables(self) -> dict:
        return {"attention": self.attention}


def make_task(params: dict, data: ClipData) -> KDTask:
    """The peers, each built from its own seed, and the attention module."""
    kd = params["kd"]
    peers = {}
    for index, variant in enumerate(kd["peers"]):
        keras.utils.set_random_seed(peer_seed(training_seed(params), index))
        peer_params = {**params, "model": {**params["model"], "variant": variant}}
        peers[peer_name(index)] = make_model(peer_params, data, name=peer_name(index))
    emitted = {name: output_frames(peer) for name, peer in peers.items()}
    if len(set(emitted.values())) > 1:
        raise ParamsError(f"kd.peers: peers emit different numbers of frames {emitted}; they cannot be ensembled")
    keras.utils.set_random_seed(peer_seed(training_seed(params), len(peers)))
    attention = PeerAttention(kd["attention_units"], name="attention")
    attention.build((None, len(peers), len(kd["descriptors"])))
    return KDTask(peers, attention, make_optimizer(params), kd["lambda"], kd["temperature"], kd["descriptors"])


def train(params: dict, run: str | None = None, resume: bool = True, mouth_dir: Path = layout.STAGE_DIRS["mouth"],
          split_tsv: Path = layout.SPLIT_TABLE) -> dict:
    """Train (or resume) the cohort and return its metrics; outputs under models/ and reports/train/ <run>
    (default: kd.run)."""
    kd = params["kd"]
    run = run or kd["run"]
    strategy = distribution(params)
    make_deterministic(training_seed(params))
    data = load_data(params, mouth_dir, split_tsv)
    with strategy.scope():
        task = make_task(params, data)
    config = loop_config(params, data)
    kd_fingerprint = {key: value for key, value in kd.items() if key not in NOT_FINGERPRINTED}
    config = dataclasses.replace(config, fingerprint=fingerprint(config.fingerprint, kd_fingerprint))
    paths = run_paths(run)
    summary = Trainer(task, data, config, paths, strategy).fit(resume)
    summary["student"] = best_student(summary, list(task.models))
    write_json(paths.metrics, summary)
    return summary
