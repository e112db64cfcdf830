"""The validated params plus the dataset they point at: what every stage CLI starts from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import params as params_mod
from .datasets import Clip, Rejected, discover, discover_grid, project_sentences
from .errors import LipflowError


class UnknownClip(LipflowError):
    """A clip key that names no usable clip of the dataset; the message says why."""


@dataclass
class Project:
    params: dict
    sentences: dict[str, str]

    @property
    def root(self) -> Path:
        return Path(self.params["dataset"]["root"])

    @property
    def language(self) -> str:
        return self.params["dataset"]["language"]

    def discover(self) -> tuple[list[Clip], list[Rejected]]:
        dataset = self.params["dataset"]
        if not self.root.is_dir():
            return [], []
        find = discover_grid if params_mod.is_grid(self.params) else discover
        return find(self.root, dataset["video_extensions"], self.sentences)

    def clip(self, key: str) -> Clip:
        clips, rejected = self.discover()
        for clip in clips:
            if clip.key == key:
                return clip
        for item in rejected:
            if item.key == key:
                raise UnknownClip(f"{key}: {item.reason}")
        raise UnknownClip(f"{key}: no such clip under {self.root}")


def load(path: Path | str = params_mod.DEFAULT_PATH) -> Project:
    params = params_mod.load(path)
    return Project(params, project_sentences(params, Path(path).parent))
