"""What vanilla training and distillation share before their loops start: determinism, the
checked input data, the model with its input normalisation, the optimizer, the run's
fingerprint and loop settings."""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from .. import layout, splitfile
from ..files import file_hash
from ..models import Architecture, build, output_frames
from ..params import ParamsError, fingerprint
from .data import Augment, ClipData, check, clip_path
from .loop import LoopConfig, RunPaths

FLOAT16_POLICY = "mixed_float16"
NOT_FINGERPRINTED = ("run", "epochs", "patience", "devices", "threads")
"""train keys a resumed run may change: more epochs or patience continue the same run, and
other devices or threads compute the same updates (up to the order of float sums)."""


def training_seed(params: dict) -> int:
    """Seed of the initial weights, data order, augmentation and dropout: ``train.seed``, or the
    top-level seed when it is null. Varying it alone retrains on the same corpus and split."""
    return params["seed"] if params["train"]["seed"] is None else params["train"]["seed"]


def distribution(params: dict) -> tf.distribute.Strategy:
    """Where a run trains: one device (the default strategy), or ``train.devices`` replicas of
    MirroredStrategy, on as many GPUs or, with no GPU, on the CPU split into logical devices
    (the multi-GPU path, runnable and testable anywhere; no faster than one device). Call it
    before TensorFlow's first op: logical devices cannot be made afterwards."""
    devices = params["train"]["devices"]
    if devices == 1:
        return tf.distribute.get_strategy()
    if params["train"]["batch_size"] < devices:
        raise ParamsError(f"train.batch_size ({params['train']['batch_size']}) is the global batch: "
                          f"it needs at least one clip per device (train.devices: {devices})")
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if len(gpus) < devices:
            raise ParamsError(f"train.devices: {devices} asked for, this machine has {len(gpus)} GPUs")
        return tf.distribute.MirroredStrategy([f"/gpu:{index}" for index in range(devices)])
    cpu = tf.config.list_physical_devices("CPU")[0]
    if len(tf.config.get_logical_device_configuration(cpu) or ()) != devices:
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
        except RuntimeError as error:
            raise ParamsError(f"train.devices: {devices} logical CPUs cannot be made once TensorFlow has "
                              f"started in this process ({error}); train in a new process") from None
    return tf.distribute.MirroredStrategy([device.name for device in tf.config.list_logical_devices("CPU")])


def make_deterministic(seed: int) -> None:
    """Same seed, same run: fresh Keras state (its global seed generator too), seeded, deterministic ops."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def crop_shape(params: dict) -> tuple[int, int, int, int]:
    mouth = params["mouth"]
    return mouth["frames"], mouth["height"], mouth["width"], mouth["channels"]


def load_data(params: dict, mouth_dir: Path = layout.STAGE_DIRS["mouth"],
              split_tsv: Path = layout.SPLIT_TABLE) -> ClipData:
    """The checked training and validation data; raises TrainInputError (or SplitTableError without
    a split table) before any decoding."""
    train = params["train"]
    examples = splitfile.read(split_tsv)
    max_label_len = params["labels"]["absolute_max_string_len"]
    emitted = output_frames(build(Architecture.from_params(params)))
    check(examples, mouth_dir, crop_shape(params), emitted, max_label_len)
    check_last_batch(sum(e.split == splitfile.TRAIN for e in examples), train["batch_size"], train["devices"])
    augment = Augment(train["flip_probability"], train["jitter_delete_probability"],
                      train["jitter_duplicate_probability"]) if train["augment"] else Augment(0.0, 0.0, 0.0)
    return ClipData(examples, mouth_dir, crop_shape(params), max_label_len, train["batch_size"], augment,
                    train["cache_mb"])


def check_last_batch(clips: int, batch_size: int, devices: int) -> None:
    """Each replica needs a clip of every batch (CTC has no kernel for an empty one): the epoch's last,
    shorter batch too."""
    last = clips % batch_size
    if devices > 1 and 0 < last < devices:
        nearest = sorted(range(devices, clips + 1), key=lambda size: abs(size - batch_size))
        fits = next(size for size in nearest if not 0 < clips % size < devices)
        raise ParamsError(f"train.batch_size: the last batch of an epoch has {last} of the {clips} training clips, "
                          f"fewer than train.devices ({devices}); a batch size that fits: {fits}")


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


def run_fingerprint(params: dict, data: ClipData) -> str:
    """Parameters and data a run depends on. The crops are hashed, not their params: a new crop
    size, new landmarks or new clips change them, and checkpoints made on other crops must not
    be resumed (a rerun on the same crops resumes)."""
    train = {key: value for key, value in params["train"].items() if key not in NOT_FINGERPRINTED}
    crops = [(e.clip, e.split, e.label, file_hash(clip_path(data.mouth_dir, e.clip)))
             for e in (*data.train_examples, *data.val_examples)]
    return fingerprint(training_seed(params), params["model"], train, params["labels"], crops)


def loop_config(params: dict, data: ClipData) -> LoopConfig:
    train = params["train"]
    return LoopConfig(train["epochs"], train["patience"], training_seed(params), train["keep_checkpoints"],
                      params["dataset"]["language"], run_fingerprint(params, data))


def run_paths(run: str) -> RunPaths:
    return RunPaths(layout.model_dir(run), layout.train_reports(run))


def with_seed(params: dict, seed: int | None) -> dict:
    """``params`` with ``train.seed`` replaced (None: unchanged), for seed sweeps from the CLI."""
    return params if seed is None else {**params, "train": {**params["train"], "seed": seed}}
