"""The ``train`` stage: one LipNet trained on its own CTC loss.

The pieces before the loop come from :mod:`lipflow.train.setup`, shared with distillation.
"""

from __future__ import annotations

from pathlib import Path

import keras

from .. import layout
from ..models import ctc_loss
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


class CTCTask:
    """One model, its own CTC loss."""

    monitor = "model"

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer):
        self.model = model
        self.models = {self.monitor: model}
        self.optimizer = optimizer
        self.variables = model.trainable_variables
        optimizer.build(self.variables)

    def train_losses(self, frames, labels, label_lengths):
        return {"loss": keras.ops.mean(ctc_loss(labels, label_lengths, self.model(frames, training=True)))}

    def predict(self, frames, labels, label_lengths):
        return {self.monitor: self.model(frames, training=False)}

    def measures(self, frames, labels, label_lengths) -> dict:
        return {}

    def selection(self, row: dict) -> tuple[float, float]:
        return row["val_cer"], row["val_loss"]

    def best_models(self, row: dict) -> dict[str, keras.Model]:
        return {layout.BEST_MODEL: self.model}

    def trackables(self) -> dict:
        return {}


def train(params: dict, run: str | None = None, resume: bool = True, mouth_dir: Path = layout.STAGE_DIRS["mouth"],
          split_tsv: Path = layout.SPLIT_TABLE) -> dict:
    """Train (or resume) the run and return its metrics; outputs under models/ and reports/train/."""
    run = run or params["train"]["run"]
    strategy = distribution(params)
    make_deterministic(training_seed(params))
    data = load_data(params, mouth_dir, split_tsv)
    with strategy.scope():
        task = CTCTask(make_model(params, data), make_optimizer(params))
    return Trainer(task, data, loop_config(params, data), run_paths(run), strategy).fit(resume)
