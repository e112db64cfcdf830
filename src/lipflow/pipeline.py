"""The stage table both engines are built from.

Each entry says which CLI command a stage runs, which ``params.yaml`` sections it reads
and which package modules its outputs depend on. The Snakemake rules take their
``params:`` and code inputs from here, and a test checks that ``dvc.yaml`` declares the
same commands, params and code dependencies, so the two engines cannot drift apart.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path("src")


@dataclass(frozen=True)
class StageSpec:
    name: str
    command: str
    params: tuple[str, ...]
    modules: tuple[str, ...]
    help: str
    per_clip: bool = True

    def code_paths(self) -> list[str]:
        """Source files of the modules, relative to the project root (``src/lipflow/...``)."""
        return [(PACKAGE_ROOT / Path(*name.split("."))).with_suffix(".py").as_posix() for name in self.modules]

    def loaded_modules(self):
        return [importlib.import_module(name) for name in self.modules]

    def module_files(self) -> list[str]:
        """Where the modules are installed: the code inputs of the Snakemake rules, valid in any
        working folder. Found without importing them, so Snakemake never loads TensorFlow."""
        package_dir = Path(__file__).resolve().parent
        return [str(package_dir.joinpath(*name.split(".")[1:]).with_suffix(".py")) for name in self.modules]


STAGES: dict[str, StageSpec] = {
    spec.name: spec
    for spec in (
        StageSpec(
            "synth", "synth", ("seed", "dataset.kind", "dataset.sentences", "dataset.language", "synth"),
            ("lipflow.stages.synth", "lipflow.synth.corpus", "lipflow.synth.face", "lipflow.synth.speech",
             "lipflow.synth.visemes", "lipflow.media", "lipflow.alignfile", "lipflow.grid"),
            "generate the embedded synthetic corpus into dataset.root (dataset.kind: synthetic or grid_synthetic)",
        ),
        StageSpec(
            "fps", "fps", ("fps",), ("lipflow.stages.fps", "lipflow.media"),
            "convert every clip to a constant frame rate (default 25 fps), keeping the audio",
        ),
        StageSpec(
            "fragments", "fragments", ("dataset.kind", "dataset.sentences", "dataset.language", "labels"),
            ("lipflow.stages.fragments", "lipflow.text"),
            "write the aeneas fragment text (sil, words, sil) of every clip's sentence",
        ),
        StageSpec(
            "align", "align", ("dataset.kind", "dataset.language", "align"), ("lipflow.stages.align", "lipflow.media"),
            "force-align every clip's fragments to its audio with aeneas (JSON)",
        ),
        StageSpec(
            "align_convert", "align-convert", ("dataset.kind", "fps.fps"),
            ("lipflow.stages.align_convert", "lipflow.alignfile", "lipflow.grid"),
            "convert every aeneas JSON to a GRID-style .align file (GRID kinds: check and take the shipped one)",
        ),
        StageSpec(
            "mouth", "mouth", ("dataset.kind", "mouth"), ("lipflow.stages.mouth",),
            "crop the mouth of every 25 fps clip (dlib landmarks) into T x H x W x C frames",
        ),
        StageSpec(
            "split", "split", ("seed", "dataset.kind", "dataset.sentences", "dataset.language", "split"),
            ("lipflow.stages.split", "lipflow.text", "lipflow.alignfile"),
            "assign the clips with mouth crops to train/val/test -> data/split/split.tsv", per_clip=False,
        ),
        StageSpec(
            "train", "train", ("seed", "dataset.language", "labels", "mouth", "model", "train"),
            ("lipflow.train.data", "lipflow.train.loop", "lipflow.train.vanilla", "lipflow.models.lipnet",
             "lipflow.models.layers", "lipflow.models.ctc", "lipflow.evaluate.decode", "lipflow.evaluate.metrics"),
            "train LipNet with CTC on the train split, best epoch by val CER -> models/<train.run>/", per_clip=False,
        ),
        StageSpec(
            "train_kd", "train-kd", ("seed", "dataset.language", "labels", "mouth", "model", "train", "kd"),
            ("lipflow.train.data", "lipflow.train.loop", "lipflow.train.vanilla", "lipflow.train.kd",
             "lipflow.models.lipnet", "lipflow.models.layers", "lipflow.models.ctc", "lipflow.models.attention",
             "lipflow.evaluate.decode", "lipflow.evaluate.metrics"),
            "train peers together with online distillation from their attention-weighted ensemble "
            "-> models/<kd.run>/", per_clip=False,
        ),
        StageSpec(
            "evaluate", "evaluate", ("dataset.sentences", "dataset.language", "train.run", "evaluate"),
            ("lipflow.evaluate.run", "lipflow.evaluate.decode", "lipflow.evaluate.metrics", "lipflow.text"),
            "score the trained model on the held-out splits -> reports/eval/<train.run>/", per_clip=False,
        ),
        StageSpec(
            "evaluate_kd", "evaluate --kd", ("dataset.sentences", "dataset.language", "kd.run", "evaluate"),
            ("lipflow.evaluate.run", "lipflow.evaluate.decode", "lipflow.evaluate.metrics", "lipflow.text"),
            "score the best KD student on the held-out splits -> reports/eval/<kd.run>/", per_clip=False,
        ),
        StageSpec(
            "experiment", "experiment",
            ("seed", "dataset.sentences", "dataset.language", "labels", "mouth", "model", "train", "kd", "evaluate",
             "experiment"),
            ("lipflow.experiment", "lipflow.train.data", "lipflow.train.loop", "lipflow.train.vanilla",
             "lipflow.train.kd", "lipflow.models.lipnet", "lipflow.models.layers", "lipflow.models.ctc",
             "lipflow.models.attention", "lipflow.evaluate.run", "lipflow.evaluate.decode", "lipflow.evaluate.metrics"),
            "train vanilla and KD over experiment.seeds, evaluate each -> reports/experiments/kd_vs_vanilla.md",
            per_clip=False,
        ),
        StageSpec(
            "alignment_report", "alignment-report", ("fps.fps",),
            ("lipflow.stages.alignment_report", "lipflow.alignfile"),
            "count clips per stage and score the alignments against truth files -> reports/metrics/alignment.json",
            per_clip=False,
        ),
    )
}
