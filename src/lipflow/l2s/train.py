"""Training the recogniser and the generator, both on the LipNet training loop (checkpoints, exact
resume, best epoch, dvclive curves) of :mod:`lipflow.train.loop`.

The generator's loss is ``mel * L1 + ctc * CTC(text head) + asr * CTC(recogniser(generated mel))``.
The recogniser is frozen but differentiable: its CTC on the *generated* log-mel (the same
representation it was trained on; the original took a second log of log-mels and its ASR
term was mostly zero) sends gradients into the generator, rewarding mels it can read.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import keras
import numpy as np

from .. import layout, splitfile
from ..files import file_hash
from ..models import ctc_loss, load_model
from ..params import fingerprint
from ..splitfile import TRAIN, VAL
from ..train.data import Arrays, Augment, ClipData, check, clip_path
from ..train.loop import LoopConfig, Trainer
from ..train.setup import crop_shape, make_deterministic, run_paths
from ..train.vanilla import CTCTask
from .data import SpeechData
from .mel import MEL, MelSettings
from .models import FRAMES, REFERENCE, TEXT, GeneratorShape, adapt, build_generator, build_recogniser

RECOGNISER_RUN = "asr"
RECOGNISER_MODEL = layout.best_model(RECOGNISER_RUN)
"""models/asr/model.keras: the recogniser lipflow asr trains (or copies from l2s.asr.model)."""
NOT_FINGERPRINTED = ("epochs", "patience")


def seed_of(params: dict) -> int:
    seed = params["l2s"]["train"]["seed"]
    return params["seed"] if seed is None else seed


def mel_shape(params: dict) -> tuple[int, int]:
    settings = MelSettings.from_params(params)
    return params["mouth"]["frames"] * settings.per_video_frame, settings.n_mels


def mel_arrays(mel_dir: Path) -> Arrays:
    return Arrays(Path(mel_dir), MEL, "float32", "mouth.frames x mel frames per video frame, l2s.mel.n_mels")


def recogniser_frames(mel_frames: int) -> int:
    """Frames the recogniser emits: two stride-2 convolutions."""
    return math.ceil(math.ceil(mel_frames / 2) / 2)


def _hashes(rows, *directories: Path) -> list:
    return [(row.clip, row.split, row.label, *[file_hash(clip_path(d, row.clip)) for d in directories])
            for row in rows if row.split in (TRAIN, VAL)]


def train_recogniser(params: dict, resume: bool = True, mel_dir: Path = layout.STAGE_DIRS["mel"],
                     split_tsv: Path = layout.SPLIT_TABLE) -> dict:
    """Train (or resume) the CTC recogniser on the train split's real mels -> models/asr/."""
    asr, seed = params["l2s"]["asr"], seed_of(params)
    make_deterministic(seed)
    examples = splitfile.read(split_tsv)
    shape = mel_shape(params)
    max_label_len = params["labels"]["absolute_max_string_len"]
    check(examples, mel_arrays(mel_dir), shape, recogniser_frames(shape[0]), max_label_len)
    data = ClipData(examples, mel_arrays(mel_dir), shape, max_label_len, asr["batch_size"], Augment(0.0, 0.0, 0.0),
                    params["train"]["cache_mb"])
    model = build_recogniser(shape[1], asr["conv_channels"], asr["gru_units"])
    model.get_layer("normalise").adapt(data.train_frames())
    task = CTCTask(model, keras.optimizers.Adam(asr["learning_rate"], clipnorm=params["l2s"]["train"]["clipnorm"]))
    key = fingerprint(seed, {k: v for k, v in asr.items() if k not in NOT_FINGERPRINTED}, params["l2s"]["mel"],
                      params["labels"], _hashes(examples, mel_dir))
    config = LoopConfig(asr["epochs"], asr["patience"], seed, params["l2s"]["train"]["keep_checkpoints"],
                        params["dataset"]["language"], key)
    return Trainer(task, data, config, run_paths(RECOGNISER_RUN)).fit(resume)


def load_recogniser(path: Path = RECOGNISER_MODEL) -> keras.Model:
    """The frozen recogniser: its weights never change, gradients still flow through it to its input."""
    model = load_model(path)
    model.trainable = False
    return model


def weights_hash(model: keras.Model) -> str:
    """The model's weights, not its file: a ``.keras`` file saved again differs in its zip timestamps."""
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()[:16]


class SpeechTask:
    """The generator trained on mel L1, its own text CTC and the frozen recogniser's CTC on its output."""

    monitor = TEXT

    def __init__(self, generator: keras.Model, recogniser: keras.Model, optimizer: keras.optimizers.Optimizer,
                 weights: dict):
        self.generator, self.recogniser = generator, recogniser
        self.models = {"generator": generator}
        self.optimizer = optimizer
        self.variables = generator.trainable_variables
        self.weights = weights
        optimizer.build(self.variables)

    def losses(self, inputs, labels, label_lengths, training: bool) -> tuple[dict, dict]:
        """Per-clip loss terms (B each) and the generator's outputs."""
        outputs = self.generator({FRAMES: inputs[FRAMES], REFERENCE: inputs[REFERENCE]}, training=training)
        terms = {
            "mel_l1": keras.ops.mean(keras.ops.abs(outputs[MEL] - inputs[MEL]), axis=(1, 2)),
            "ctc": ctc_loss(labels, label_lengths, outputs[TEXT]),
            "asr": ctc_loss(labels, label_lengths, self.recogniser(outputs[MEL], training=False)),
        }
        return terms, outputs

    def total(self, terms: dict):
        return (self.weights["mel"] * terms["mel_l1"] + self.weights["ctc"] * terms["ctc"]
                + self.weights["asr"] * terms["asr"])

    def train_losses(self, inputs, labels, label_lengths):
        terms, _ = self.losses(inputs, labels, label_lengths, training=True)
        return {"loss": keras.ops.mean(self.total(terms)),
                **{name: keras.ops.mean(values) for name, values in terms.items()}}

    def predict(self, inputs, labels, label_lengths):
        return {TEXT: self.generator({FRAMES: inputs[FRAMES], REFERENCE: inputs[REFERENCE]}, training=False)[TEXT]}

    def measures(self, inputs, labels, label_lengths):
        terms, _ = self.losses(inputs, labels, label_lengths, training=False)
        return {"mel_l1": terms["mel_l1"], "asr_ctc": terms["asr"]}

    def selection(self, row: dict) -> tuple[float, float]:
        """What the generator is for: the mel closest to the real one (ties: the text head's loss)."""
        return row["val_mel_l1"], row["val_loss"]

    def best_models(self, row: dict) -> dict[str, keras.Model]:
        return {layout.BEST_MODEL: self.generator}

    def trackables(self) -> dict:
        return {}


def generator_shape(params: dict) -> GeneratorShape:
    frames, height, width, channels = crop_shape(params)
    settings = MelSettings.from_params(params)
    return GeneratorShape(frames, height, width, channels, settings.n_mels, settings.per_video_frame)


def load_speech_data(params: dict, split_tsv: Path = layout.SPLIT_TABLE,
                     mouth_dir: Path = layout.STAGE_DIRS["mouth"],
                     mel_dir: Path = layout.STAGE_DIRS["mel"]) -> SpeechData:
    """Checked crops and mels of the train and val splits (TrainInputError lists every problem)."""
    examples = splitfile.read(split_tsv)
    max_label_len = params["labels"]["absolute_max_string_len"]
    frames = params["mouth"]["frames"]
    check(examples, mouth_dir, crop_shape(params), frames, max_label_len)
    check(examples, mel_arrays(mel_dir), mel_shape(params), recogniser_frames(mel_shape(params)[0]), max_label_len)
    settings = params["l2s"]["train"]
    return SpeechData(examples, mouth_dir, mel_dir, crop_shape(params), max_label_len, settings["batch_size"],
                      settings["flip_probability"], params["train"]["cache_mb"], seed_of(params))


def train_generator(params: dict, run: str | None = None, resume: bool = True,
                    split_tsv: Path = layout.SPLIT_TABLE, mouth_dir: Path = layout.STAGE_DIRS["mouth"],
                    mel_dir: Path = layout.STAGE_DIRS["mel"],
                    recogniser: Path = RECOGNISER_MODEL) -> dict:
    """Train (or resume) the video-to-mel generator -> models/<l2s.run>/, reports/train/<l2s.run>/."""
    l2s, seed = params["l2s"], seed_of(params)
    run = run or l2s["run"]
    make_deterministic(seed)
    data = load_speech_data(params, split_tsv, mouth_dir, mel_dir)
    generator = build_generator(generator_shape(params), l2s["model"])
    adapt(generator, data.train_frames(), data.train_mels(), data.mean_mel)
    optimizer = keras.optimizers.Adam(l2s["train"]["learning_rate"], clipnorm=l2s["train"]["clipnorm"])
    task = SpeechTask(generator, load_recogniser(recogniser), optimizer, l2s["loss"])
    examples = [*data.train_examples, *data.val_examples]
    key = fingerprint(seed, l2s["model"], l2s["loss"], l2s["mel"], params["labels"],
                      {k: v for k, v in l2s["train"].items() if k not in NOT_FINGERPRINTED},
                      _hashes(examples, mouth_dir, mel_dir), weights_hash(task.recogniser))
    config = LoopConfig(l2s["train"]["epochs"], l2s["train"]["patience"], seed, l2s["train"]["keep_checkpoints"],
                        params["dataset"]["language"], key)
    summary = Trainer(task, data, config, run_paths(run)).fit(resume)
    return {**summary, "self_references": data.self_references}
