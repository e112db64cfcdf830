"""Shared fixtures: real media made with ffmpeg and espeak-ng, and throw-away projects.

A project fixture is a folder laid out like the repository (params.yaml, Snakefile,
rules/, dvc.yaml, src/) with its own dataset, so stage, Snakemake and DVC tests run the
real tools without touching the repository's data/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from lipflow import codedeps, mouthfile, text
from lipflow import params as params_mod

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONSTRAINTS = REPO / "requirements" / "base.txt"


def constraint_pins() -> dict[str, str]:
    """Distribution (canonical name) -> the exact version of requirements/base.txt."""
    from packaging.utils import canonicalize_name

    lines = [line for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in (line.split("==") for line in lines)}
GRID_FIXTURES = SHARED / "fixtures" / "grid"
GRID_CLIPS = {"lbax4n": "lay blue at x four now", "sbwe5n": "set blue with e five now",
              "pwij3p": "place white in j three please"}


MODULE_SECONDS: dict[str, int] = json.loads((Path(__file__).parent / "module_seconds.json").read_text())
"""Each test module's seconds in a CI run (``--durations=0``, summed; a module not listed counts 0)."""


def pytest_collection_modifyitems(items):
    """Heaviest modules first. xdist's loadscope hands modules to workers in this order, so the
    long ones start at once and the short ones fill in at the end. In collection order a long
    module could start last and run alone: 1606 s of tests for 3587 worker-seconds on 3 workers.
    Only the order changes, so stale figures cost time, never a result."""
    items.sort(key=lambda item: -MODULE_SECONDS.get(item.nodeid.split("::")[0], 0))


@pytest.fixture(autouse=True, scope="session")
def _tools_on_path():
    """The CLI, snakemake and dvc of this interpreter's environment come first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def grid_clip(name: str) -> Path:
    path = GRID_FIXTURES / f"{name}.mpg"
    if not path.is_file():
        pytest.fail(f"GRID fixture missing: {path} (shared/ must sit beside the repository)")
    return path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


def speak(text: str, dest: Path, voice: str = "it") -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(dest), text], check=True)
    return dest


def speech_clip(dest: Path, text: str, voice: str = "it", fps: str = "25", container: str = "mp4",
                seconds: float = 4.0, face: str = "lbax4n") -> Path:
    """A talking-face clip: a real GRID face video (looped) with espeak-ng speech, at any
    frame rate and container, written under any name (browser recorders used .mpg)."""
    wav = speak(text, dest.with_suffix(".speech.wav"), voice)
    codecs = {"webm": ["-c:v", "libvpx", "-b:v", "400k", "-c:a", "libopus"],
              "mp4": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]}[container]
    ffmpeg("-stream_loop", "1", "-i", str(grid_clip(face)), "-i", str(wav), "-map", "0:v", "-map", "1:a",
           "-t", str(seconds), "-r", fps, *codecs, "-f", container, str(dest))
    wav.unlink()
    return dest


class Project:
    """A throw-away lipflow project folder (the test's working directory)."""

    def __init__(self, root: Path):
        self.root = root
        self.dataset = root / "dataset"

    @property
    def params(self) -> dict:
        return yaml.safe_load((self.root / "params.yaml").read_text())

    def set_params(self, **dotted) -> None:
        """Set params by dotted key: ``set_params(**{"align.boundary_value": 40})``."""
        params = self.params
        for key, value in dotted.items():
            node = params
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        (self.root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))

    def add_clip(self, key: str, source: Path, suffix: str = ".mpg") -> Path:
        dest = self.dataset / f"{key}{suffix}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=self.root, capture_output=True, text=True, check=check)


def make_project(root: Path) -> Project:
    """A project folder at ``root`` with the repository's pipeline files and params.yaml."""
    root.mkdir()
    codedeps.copy_pipeline(REPO, root)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    return Project(root)


@pytest.fixture
def grid_project(project):
    """The project with two real GRID clips under Italian-style names and their sentences."""
    (project.root / "grid.tsv").write_text("id\ttext\n" + "".join(f"{k}\t{v}\n" for k, v in GRID_CLIPS.items()))
    project.set_params(**{"dataset.sentences": "grid.tsv", "dataset.language": "eng"})
    for name in ("lbax4n", "sbwe5n"):
        project.add_clip(f"s1/{name}-GR", grid_clip(name))
    return project


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    made = make_project(tmp_path / "project")
    root = made.root
    made.dataset.mkdir()
    made.set_params(**{"dataset.kind": "italian", "dataset.root": "dataset"})
    monkeypatch.chdir(root)
    return made



# Params of the embedded corpus (the synth stage and lipflow.synth.plan), in a folder of their own.
ITALIAN_CORPUS = {"dataset": {"kind": "synthetic"}, "synth": {"speakers": 2, "sentence_ids": ["13", "18"]}}
GRID_CORPUS = {"dataset": {"kind": "grid_synthetic", "sentences": "builtin:grid", "language": "eng"},
               "synth": {"speakers": 3, "sentences_per_speaker": 1, "grid_misplaced_alignments": [[2, 3], [1, 9]]}}
GRID_FOLDERS = {1: 1, 2: 3, 3: 2}
"""GRID_CORPUS speaker -> the folder its alignments are written into: s2's and s3's swapped, [1, 9] inert."""


def synth_params(folder: Path, corpus_kind: dict = ITALIAN_CORPUS, **synth_settings) -> dict:
    """The repository's params with the corpus of ``corpus_kind`` under data/corpus, saved in ``folder``, loaded."""
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["dataset"].update(root="data/corpus", **corpus_kind["dataset"])
    params["synth"].update({**corpus_kind["synth"], **synth_settings})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params_mod.load(folder / "params.yaml")


def grid_synth_params(folder: Path, **synth_settings) -> dict:
    return synth_params(folder, GRID_CORPUS, **synth_settings)

# Hand-built CTC paths: each character on one frame, a blank after it.
def spell_path(label: str, frames: int) -> list[int]:
    path = [index for code in text.encode(label) for index in (code, text.BLANK)]
    assert len(path) <= frames, "not enough frames for the label"
    return path + [text.BLANK] * (frames - len(path))


@pytest.fixture
def spell():
    """Class per frame that CTC decoding turns back into a label."""
    return spell_path


@pytest.fixture
def peaked_logits():
    """(B, T, 28) logits with one clearly winning class per frame, spelling each label."""

    def build(labels: list[str], frames: int, peak: float = 10.0) -> np.ndarray:
        logits = np.zeros((len(labels), frames, text.NUM_CLASSES), dtype="float32")
        for row, label in enumerate(labels):
            logits[row, np.arange(frames), spell_path(label, frames)] = peak
        return logits

    return build


def write_crops(dest: Path, frames: np.ndarray, opening: np.ndarray) -> None:
    """A crop file as the mouth stage writes it: the frames, landmarks whose inner lips are
    ``opening`` mouth widths apart in each frame, and a mask of measured frames."""
    landmarks = np.zeros((len(frames), mouthfile.LANDMARKS, 2), np.float32)
    landmarks[:, mouthfile.MOUTH_CORNERS[1], 0] = 1.0
    landmarks[:, mouthfile.INNER_LIP_TOP, 1], landmarks[:, mouthfile.INNER_LIP_BOTTOM, 1] = -opening / 2, opening / 2
    mask = np.full(len(frames), mouthfile.MEASURED, np.uint8)
    mouthfile.write(dest, {"frames": frames, "landmarks": landmarks, "mask": mask})
