"""The ``train`` stage: one LipNet trained on its own CTC loss.

The pieces before the loop (determinism, checked inputs, the model with its input
normalisation, the optimizer) are functions the distillation trainer reuses for its peers.
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from ..layout import BEST_MODEL, MODELS_DIR, file_hash
from ..models import Architecture, build, ctc_loss, output_frames
from ..params import ParamsError, fingerprint
from .data import MOUTH_DIR, SPLIT_TSV, Augment, ClipData, check, read_split
from .loop import LoopConfig, RunPaths, Trainer

REPORTS_DIR = Path("reports/train")
FLOAT16_POLICY = "mixed_float16"
NOT_FINGERPRINTED = ("run", "epochs", "patience")
"""train keys a resumed run may change: more epochs or patience continue the same run."""


def training_seed(params: dict) -> int:
    """Seed of the initial weights, data order, augmentation and dropout: ``train.seed``, or the
    top-level seed when it is null. Varying it alone retrains on the same corpus and split."""
    return params["seed"] if params["train"]["seed"] is None else params["train"]["seed"]


def make_deterministic(seed: int) -> None:
    """Same seed, same run: fresh Keras state (its global seed generator too), seeded, deterministic ops."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def crop_shape(params: dict) -> tuple[int, int, int, int]:
    mouth = params["mouth"]
    return mouth["frames"], mouth["height"], mouth["width"], mouth["channels"]


def load_data(params: dict, mouth_dir: Path = MOUTH_DIR, split_tsv: Path = SPLIT_TSV) -> ClipData:
    """The checked training and validation data; raises TrainInputError before any decoding."""
    train = params["train"]
    examples = read_split(split_tsv)
    max_label_len = params["labels"]["absolute_max_string_len"]
    emitted = output_frames(build(Architecture.from_params(params)))
    check(examples, mouth_dir, crop_shape(params), emitted, max_label_len)
    augment = Augment(train["flip_probability"], train["jitter_delete_probability"],
                      train["jitter_duplicate_probability"]) if train["augment"] else Augment(0.0, 0.0, 0.0)
    return ClipData(examples, mouth_dir, crop_shape(params), max_label_len, train["batch_size"], augment,
                    train["cache_mb"])


def make_model(params: dict, data: ClipData, name: str = "lipnet") -> keras.Model:
    """LipNet reading the mouth crops; normalisation statistics come from the training split."""
    if params["model"]["precision"] == FLOAT16_POLICY and not tf.config.list_physical_devices("GPU"):
        raise ParamsError(f"model.precision: {FLOAT16_POLICY} needs a GPU (float16 MaxPool3D has no CPU kernel); "
                          "use mixed_bfloat16 or float32")
    model = build(Architecture.from_params(params), source_size=data.shape[1:3],
                  normalise=params["model"]["normalise"], name=name)
    if params["model"]["normalise"]:
        model.get_layer("normalise").adapt(data.train_frames())
    return model


def make_optimizer(params: dict) -> keras.optimizers.Optimizer:
    train = params["train"]
    optimizer = keras.optimizers.Adam(train["learning_rate"], clipnorm=train["clipnorm"])
    if params["model"]["precision"] == FLOAT16_POLICY:  # bfloat16 has float32's range: no loss scaling
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


class CTCTask:
    """One model, its own CTC loss."""

    monitor = "model"

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer):
        self.model = model
        self.models = {self.monitor: model}
        self.optimizer = optimizer
        optimizer.build(model.trainable_variables)

    def train_step(self, frames, labels, label_lengths):
        with tf.GradientTape() as tape:
            logits = self.model(frames, training=True)
            loss = keras.ops.mean(ctc_loss(labels, label_lengths, logits))
            scaled = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.model.trainable_variables))
        return {"loss": loss}

    def predict(self, frames, labels, label_lengths):
        return {self.monitor: self.model(frames, training=False)}

    def best_models(self, row: dict) -> dict[str, keras.Model]:
        return {BEST_MODEL: self.model}

    def trackables(self) -> dict:
        return {}


def run_fingerprint(params: dict, split_tsv: Path) -> str:
    train = {key: value for key, value in params["train"].items() if key not in NOT_FINGERPRINTED}
    return fingerprint(training_seed(params), params["model"], train, params["labels"], file_hash(split_tsv))


def loop_config(params: dict, split_tsv: Path) -> LoopConfig:
    train = params["train"]
    return LoopConfig(train["epochs"], train["patience"], training_seed(params), train["keep_checkpoints"],
                      params["dataset"]["language"], run_fingerprint(params, split_tsv))


def train(params: dict, run: str | None = None, resume: bool = True, mouth_dir: Path = MOUTH_DIR,
          split_tsv: Path = SPLIT_TSV) -> dict:
    """Train (or resume) the run and return its metrics; outputs under models/ and reports/train/."""
    run = run or params["train"]["run"]
    make_deterministic(training_seed(params))
    data = load_data(params, mouth_dir, split_tsv)
    task = CTCTask(make_model(params, data), make_optimizer(params))
    paths = RunPaths(MODELS_DIR / run, REPORTS_DIR / run)
    return Trainer(task, data, loop_config(params, split_tsv), paths).fit(resume)
