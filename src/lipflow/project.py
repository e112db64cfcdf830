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
        found = self.find([key])[key]
        if isinstance(found, UnknownClip):
            raise found
        return found

    def find(self, keys: list[str]) -> dict[str, Clip | UnknownClip]:
        """Each key's clip, or the error saying why there is none: one discovery for all keys."""
        clips, rejected = self.discover()
        by_key: dict[str, Clip | UnknownClip] = {item.key: UnknownClip(f"{item.key}: {item.reason}")
                                                 for item in rejected}
        by_key.update({clip.key: clip for clip in clips})
        return {key: by_key.get(key) or UnknownClip(f"{key}: no such clip under {self.root}") for key in keys}


def load(path: Path | str = params_mod.DEFAULT_PATH) -> Project:
    params = params_mod.load(path)
    return Project(params, project_sentences(params, Path(path).parent))
