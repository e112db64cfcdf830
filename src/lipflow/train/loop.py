"""The training loop every trainer shares: epochs, validation, best model, checkpoints, logs.

What is trained is a :class:`Task`: one or more models, one optimizer and the losses of a
batch (vanilla CTC here; online distillation trains several peers and an attention module
on one loss). The loop makes and compiles the step, runs the epochs and owns everything
around them.

The step is data-parallel under a ``tf.distribute`` strategy (one device: the default
strategy, the same arithmetic as no strategy). Each replica weighs its batch means by its
share of the global batch and the summed gradient is clipped and applied once, so
``train.devices`` replicas compute what one device computes on the same global batch.

Each epoch ends with a checkpoint of the models, the optimizer, every random state (the
loop's ``tf.random.Generator`` that seeds each epoch's data order and augmentation, and
the models' dropout seed states) and the history, so a run killed at any moment resumes
from its last finished epoch and ends with the same weights as an uninterrupted run.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import keras
import tensorflow as tf
from dvclive import Live
from tqdm import tqdm

from ..files import atomic_path, write_json, write_text
from ..models import ctc_loss
from ..scoring import decode, metrics
from .data import ClipData

LOG = logging.getLogger(__name__)


class Task(Protocol):
    """What the loop trains. The optimizer must already be built on the variables it updates."""

    models: dict[str, keras.Model]
    optimizer: keras.optimizers.Optimizer
    variables: list
    """What the optimizer updates."""
    monitor: str
    """Name of the validated output whose CER picks the best epoch."""

    def train_losses(self, frames, labels, label_lengths) -> dict[str, tf.Tensor]:
        """Scalar batch means in training mode, logged as ``train_<name>``; the first, ``loss``, is minimised."""

    def predict(self, frames, labels, label_lengths) -> dict[str, tf.Tensor]:
        """Inference logits (B x T x classes) of every model to validate, by name.

        The labels are there for outputs that depend on them, such as a distillation
        teacher whose peer weights come from each peer's loss; a single model ignores them.
        """

    def measures(self, frames, labels, label_lengths) -> dict[str, tf.Tensor]:
        """Per-clip validation figures besides CTC (each B values), logged as ``val_<name>``: the mel
        distance of a speech generator, say; a lip reader has none."""

    def selection(self, row: dict) -> tuple[float, float]:
        """(val CER, val loss), or what else picks what this task deploys: the best epoch has the lowest."""

    def best_models(self, row: dict) -> dict[str, keras.Model]:
        """What to save (file name in the run's model folder: model) when ``row``'s epoch is the best so far."""

    def trackables(self) -> dict[str, object]:
        """Extra state to checkpoint besides the models and the optimizer."""


PROGRESS_KEY = "progress/.ATTRIBUTES/VARIABLE_VALUE"
"""The run's progress (history, best epoch, parameter fingerprint) in a checkpoint."""


@dataclass(frozen=True)
class LoopConfig:
    epochs: int
    patience: int
    seed: int
    keep_checkpoints: int
    language: str
    """Of the labels, for scoring (``lipflow.evaluate.metrics``)."""
    fingerprint: str
    """Hash of the parameters the run depends on: checkpoints of other parameters are not resumed."""


@dataclass(frozen=True)
class RunPaths:
    """Where a run keeps its checkpoints (beside its models) and its reports."""

    model_dir: Path
    report_dir: Path
    checkpoints: Path = field(init=False)
    best: Path = field(init=False)
    metrics: Path = field(init=False)
    history: Path = field(init=False)
    dvclive: Path = field(init=False)
    tensorboard: Path = field(init=False)

    def __post_init__(self):
        derived = {"checkpoints": self.model_dir / "checkpoints", "best": self.model_dir / "checkpoints" / "best",
                   "metrics": self.report_dir / "metrics.json",
                   "history": self.report_dir / "history.tsv", "dvclive": self.report_dir / "dvclive",
                   "tensorboard": self.report_dir / "tensorboard"}
        for name, path in derived.items():
            object.__setattr__(self, name, path)


def _metric(kind: str, name: str, task: Task) -> str:
    return f"val_{kind}" if name == task.monitor else f"val_{kind}_{name}"


def _improved(row: dict, best: dict | None, task: Task) -> bool:
    """Lower CER of what the task deploys wins; on a tie (the all-blank plateau, CER 1.0) the lower loss does."""
    return best is None or task.selection(row) < task.selection(best)


def _sum(strategy: tf.distribute.Strategy, value):
    return strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)


def make_train_step(task: Task, strategy: tf.distribute.Strategy | None = None, element_spec=None):
    """The compiled update of one global batch (``strategy.experimental_distribute_dataset``'s elements);
    returns the batch's losses. The task's models and optimizer must come from ``strategy.scope()``
    (default: the current strategy)."""
    strategy = strategy or tf.distribute.get_strategy()

    def replica_gradients(frames, labels, label_lengths):
        clips = tf.cast(tf.shape(labels)[0], tf.float32)
        share = clips / tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, clips)
        with tf.GradientTape() as tape:
            losses = {name: value * keras.ops.cast(share, value.dtype)
                      for name, value in task.train_losses(frames, labels, label_lengths).items()}
            scaled = task.optimizer.scale_loss(losses["loss"])
        return tape.gradient(scaled, task.variables), losses

    def step(frames, labels, label_lengths):
        gradients, losses = strategy.run(replica_gradients, args=(frames, labels, label_lengths))
        # Applied outside the replicas: clipnorm sees the whole batch's gradient, as on one device.
        task.optimizer.apply_gradients(zip([_sum(strategy, g) for g in gradients], task.variables, strict=True))
        return {name: _sum(strategy, value) for name, value in losses.items()}

    return tf.function(step, input_signature=element_spec)


class Trainer:
    """Runs a task's epochs; ``fit`` trains (resuming when asked) and returns the run's metrics."""

    def __init__(self, task: Task, data: ClipData, config: LoopConfig, paths: RunPaths,
                 strategy: tf.distribute.Strategy | None = None):
        self.task, self.data, self.config, self.paths = task, data, config, paths
        self.strategy = strategy or tf.distribute.get_strategy()
        self.generator = tf.random.Generator.from_seed(config.seed)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.progress = tf.Variable("", dtype=tf.string, trainable=False)
        rng_states = [
            v for model in task.models.values() for v in model.variables
            if not any(v is w for w in model.weights)
        ]
        checkpoint = tf.train.Checkpoint(
            optimizer=task.optimizer, generator=self.generator, epoch=self.epoch, progress=self.progress,
            rng_states=rng_states, **{f"model_{name}": model for name, model in task.models.items()},
            **task.trackables(),
        )
        self.manager = tf.train.CheckpointManager(checkpoint, str(paths.checkpoints), config.keep_checkpoints)
        self.checkpoint = checkpoint
        frames_spec, labels_spec, lengths_spec = data.val().element_spec
        self.step = make_train_step(task, self.strategy, self.strategy.experimental_distribute_dataset(
            data.val()).element_spec)
        self.predict = tf.function(task.predict, input_signature=(frames_spec, labels_spec, lengths_spec))
        self.measure = tf.function(task.measures, input_signature=(frames_spec, labels_spec, lengths_spec))

    def restore(self, resume: bool) -> dict:
        """Load the latest checkpoint (if resuming), else start afresh; return the progress."""
        fresh = {"fingerprint": self.config.fingerprint, "history": [], "best": None, "wait": 0}
        if not resume:
            shutil.rmtree(self.paths.checkpoints, ignore_errors=True)
            return fresh
        latest = self.manager.latest_checkpoint
        if latest is None:
            return fresh
        # The fingerprint is read before anything is restored: checkpoints of other parameters
        # (params.yaml changed, which is why Snakemake or `dvc exp run -S ...` reruns the stage)
        # are never mixed into this run, which starts afresh in their place.
        stored = json.loads(tf.train.load_checkpoint(latest).get_tensor(PROGRESS_KEY).decode())
        if stored["fingerprint"] != self.config.fingerprint:
            LOG.info("%s was written with other parameters: starting afresh", latest)
            shutil.rmtree(self.paths.checkpoints, ignore_errors=True)
            return fresh
        self.checkpoint.restore(latest).assert_consumed()
        progress = json.loads(self.progress.numpy().decode())
        LOG.info("resuming after epoch %d from %s", int(self.epoch.numpy()), latest)
        return progress

    def fit(self, resume: bool = True) -> dict:
        progress = self.restore(resume)
        live = Live(dir=str(self.paths.dvclive), resume=False, save_dvc_exp=False, dvcyaml=None, report=None)
        for row in progress["history"]:
            _log_live(live, row)
        board = tf.summary.create_file_writer(str(self.paths.tensorboard))
        while int(self.epoch.numpy()) < self.config.epochs and progress["wait"] < self.config.patience:
            row = self._epoch(int(self.epoch.numpy()) + 1)
            progress["history"].append(row)
            if _improved(row, progress["best"], self.task):
                progress["best"], progress["wait"] = row, 0
                self._save_best(row)
            else:
                progress["wait"] += 1
            self.epoch.assign_add(1)
            self.progress.assign(json.dumps(progress))
            self.manager.save(checkpoint_number=self.epoch)
            _log_live(live, row)
            with board.as_default():
                for name, value in row.items():
                    if name != "epoch":
                        tf.summary.scalar(name, value, step=row["epoch"])
            board.flush()
            self._write_reports(progress)
        live.end()
        self._publish_best()
        return self._write_reports(progress)

    def _epoch(self, epoch: int) -> dict:
        started = time.perf_counter()
        seed = int(self.generator.make_seeds(1)[0, 0].numpy())
        totals, count = {}, 0
        batches = math.ceil(len(self.data.train_examples) / self.data.batch_size)
        batched = self.strategy.experimental_distribute_dataset(self.data.train(seed))
        bar = tqdm(batched, total=batches, desc=f"epoch {epoch}/{self.config.epochs}", unit="batch")
        for frames, labels, lengths in bar:
            losses = self.step(frames, labels, lengths)
            size = sum(int(part.shape[0]) for part in self.strategy.experimental_local_results(labels))
            for name, value in losses.items():
                totals[name] = totals.get(name, 0.0) + float(value) * size
            count += size
            bar.set_postfix(loss=f"{float(losses[next(iter(losses))]):.3f}")
        row = {"epoch": epoch, **{f"train_{name}": total / count for name, total in totals.items()}}
        row.update(self._validate())
        row["seconds"] = time.perf_counter() - started
        return row

    def _validate(self) -> dict:
        loss_sums, hypotheses, measure_sums = {}, {}, {}
        for frames, labels, lengths in self.data.val():
            for name, logits in self.predict(frames, labels, lengths).items():
                loss = ctc_loss(labels, lengths, logits)
                loss_sums[name] = loss_sums.get(name, 0.0) + float(keras.ops.sum(loss))
                hypotheses.setdefault(name, []).extend(decode.greedy(keras.ops.convert_to_numpy(logits)))
            for name, values in self.measure(frames, labels, lengths).items():
                measure_sums[name] = measure_sums.get(name, 0.0) + float(keras.ops.sum(values))
        references = [e.label for e in self.data.val_examples]
        row = {f"val_{name}": total / len(references) for name, total in measure_sums.items()}
        for name, texts in hypotheses.items():
            summary = metrics.summarise(metrics.score_all(references, texts, self.config.language))
            row[_metric("loss", name, self.task)] = loss_sums[name] / len(references)
            row[_metric("cer", name, self.task)] = summary["cer"]
            row[_metric("wer", name, self.task)] = summary["wer"]
        return row

    def _save_best(self, row: dict) -> None:
        """Kept beside the checkpoints, which a rerun resumes from: Snakemake deletes a job's
        declared outputs (the models) before rerunning it, even when it has nothing to retrain."""
        for file_name, model in self.task.best_models(row).items():
            with atomic_path(self.paths.best / file_name) as tmp:
                model.save(tmp)

    def _publish_best(self) -> None:
        for saved in sorted(self.paths.best.glob("*.keras")):
            with atomic_path(self.paths.model_dir / saved.name) as tmp:
                shutil.copyfile(saved, tmp)

    def _write_reports(self, progress: dict) -> dict:
        history = progress["history"]
        best = progress["best"]
        summary = {
            "best_epoch": best["epoch"],
            **{name: value for name, value in best.items() if name.startswith("val_")},
            "final": {name: value for name, value in history[-1].items() if name != "seconds"},
            "epochs": len(history),
            "stopped_early": progress["wait"] >= self.config.patience,
            "seconds": sum(row["seconds"] for row in history),
        }
        write_json(self.paths.metrics, summary)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(history[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(history)
        write_text(self.paths.history, buffer.getvalue())
        return summary


def _log_live(live: Live, row: dict) -> None:
    for name, value in row.items():
        if name not in ("epoch", "seconds"):
            live.log_metric(name, value)
    live.next_step()
