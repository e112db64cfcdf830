"""The package installs as pyproject.toml declares: core, extras, and the pins CI uses.

The slow tests build fresh virtual environments with pip, as a user without setup.sh would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lipflow.extras import EXTRAS, missing_extra
from tests.conftest import CONSTRAINTS, REPO, constraint_pins


def declared() -> dict[str, list[Requirement]]:
    """``""`` (the core) and each extra -> its requirements, from pyproject.toml."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {"": [Requirement(text) for text in project["dependencies"]],
            **{extra: [Requirement(text) for text in texts]
               for extra, texts in project["optional-dependencies"].items()}}


def test_every_declared_dependency_is_pinned_within_its_range():
    pinned = constraint_pins()
    for extra, requirements in declared().items():
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            if name == "lipflow":
                continue
            assert name in pinned, f"{requirement} ({extra or 'core'}) has no exact version in {CONSTRAINTS.name}"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (requirement, pinned[name])


def test_every_pin_is_declared():
    names = {canonicalize_name(r.name) for requirements in declared().values() for r in requirements}
    assert set(constraint_pins()) <= names, "a pin nothing declares"


def test_each_optional_import_names_the_extra_that_declares_it():
    extras = declared()
    for module, extra in EXTRAS.items():
        assert module in {canonicalize_name(r.name) for r in extras[extra]}, (module, extra)
    message = missing_extra(ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow.python"))
    assert message == "needs tensorflow, which the 'train' extra installs: pip install \"lipflow[train]\""
    assert "--no-build-isolation" in missing_extra(ModuleNotFoundError(name="aeneas"))
    assert missing_extra(ModuleNotFoundError(name="no_such_module")) is None


def requires_python() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]


def test_requires_python_admits_this_python():
    assert Requirement(f"python{requires_python()}").specifier.contains(f"{sys.version_info[0]}.{sys.version_info[1]}")


@pytest.fixture
def source(tmp_path) -> Path:
    """What a source distribution holds (pyproject.toml, README.md, src/), copied: an in-tree
    build would leave build/ and .egg-info in the repository."""
    dest = tmp_path / "lipflow"
    shutil.copytree(REPO / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, dest / name)
    return dest


def venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder / "bin"


def pip(bin_dir: Path, *args: str) -> None:
    result = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                             "--no-compile",  # installable is the question, not bytecode: CI time
                             "-c", str(CONSTRAINTS), *args], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_the_core_then_align_in_two_steps_then_train_and_record_install_in_a_fresh_venv(tmp_path, source):
    """One venv, grown as a user would (one venv: CI time)."""
    bin_dir = venv(tmp_path / "venv")
    python = str(bin_dir / "python")
    pip(bin_dir, str(source))
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    assert subprocess.run(["lipflow", "--help"], env=env, capture_output=True, text=True).returncode == 0
    project = tmp_path / "project"
    project.mkdir()
    (project / "params.yaml").write_text((REPO / "params.yaml").read_text())
    for command, extra in (("train", "train"), ("train-l2s", "train"), ("record", "record")):
        result = subprocess.run(["lipflow", command], cwd=project, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 1 and f"lipflow[{extra}]" in result.stderr, result.stderr[-2000:]
        assert len(result.stderr.strip().splitlines()) == 1, f"one line, not a traceback: {result.stderr[-2000:]}"

    aligner = [python, "-c", "import aeneas.cdtw, aeneas.cmfcc, aeneas.cew"]  # its C extensions
    assert "No module named 'aeneas'" in subprocess.run(aligner, capture_output=True, text=True).stderr
    pip(bin_dir, "setuptools<70", "wheel", "numpy>=1.26,<2")
    pip(bin_dir, "--no-build-isolation", f"{source}[align]")
    subprocess.run(aligner, check=True)

    pip(bin_dir, f"{source}[train,record]")
    subprocess.run([python, "-c", "import lipflow.train.vanilla, lipflow.train.kd, lipflow.recorder.server"],
                   check=True)
    summary = ("import tensorflow as tf\nwith tf.summary.create_file_writer('logs').as_default():\n"
               "    tf.summary.scalar('loss', 1.0, step=1)")  # the training loop's TensorBoard log
    subprocess.run([python, "-c", summary], cwd=tmp_path, check=True)
