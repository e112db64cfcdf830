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
    per_clip: bool = True

    def code_paths(self) -> list[str]:
        """Source files of the modules, relative to the project root (``src/lipflow/...``)."""
        return [(PACKAGE_ROOT / Path(*name.split("."))).with_suffix(".py").as_posix() for name in self.modules]

    def loaded_modules(self):
        return [importlib.import_module(name) for name in self.modules]

    def module_files(self) -> list[str]:
        """Where the modules are installed: the code inputs of the Snakemake rules, valid in any working folder."""
        return [module.__file__ for module in self.loaded_modules()]


STAGES: dict[str, StageSpec] = {
    spec.name: spec
    for spec in (
        StageSpec("fps", "fps", ("fps",), ("lipflow.stages.fps", "lipflow.media")),
        StageSpec(
            "fragments", "fragments", ("dataset.sentences", "dataset.language", "labels"),
            ("lipflow.stages.fragments", "lipflow.text"),
        ),
        StageSpec("align", "align", ("dataset.language", "align"), ("lipflow.stages.align", "lipflow.media")),
        StageSpec("align_convert", "align-convert", ("fps.fps",), ("lipflow.stages.align_convert", "lipflow.alignfile")),
        StageSpec(
            "alignment_report", "alignment-report", ("fps.fps",),
            ("lipflow.stages.alignment_report", "lipflow.alignfile"), per_clip=False,
        ),
    )
}
