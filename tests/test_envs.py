"""The conda envs of `snakemake --use-conda`, one per concern (envs/): what can be checked without
reaching conda channels. Each env pins the versions of requirements/base.txt, gives every stage
that names it the third-party packages its code imports, and its post-deploy script installs
what pip alone cannot express (aeneas without build isolation, lipflow itself) in a fresh venv."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name

from lipflow import codedeps, pipeline
from tests.conftest import REPO, constraint_pins

MODULE_DISTRIBUTIONS = {**packages_distributions(), "dlib": ["dlib-bin"]}
"""Import name -> distributions (dlib-bin's module is a compiled one the metadata does not list)."""
RUNTIME_ONLY = {"lipflow.vision.landmarks": "face-recognition-models", "lipflow.train.loop": "tensorboard"}
"""Distributions a module needs without importing them: the 68-point predictor it reads as data,
TensorBoard behind tf.summary."""


def env_packages(path: Path) -> dict[str, str]:
    """Package -> version of an env file, conda and pip parts together ('' where unpinned)."""
    packages = {}
    for dependency in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dependency, dict):
            packages.update((canonicalize_name(name), version)
                            for name, version in (line.split("==") for line in dependency["pip"]))
        else:
            name, _, version = dependency.partition("=")
            packages[canonicalize_name(name)] = version
    return packages


def same_version(a: str, b: str) -> bool:
    return re.sub(r"(\.0)+$", "", a) == re.sub(r"(\.0)+$", "", b)


def imported_distributions(entry: str) -> set[str]:
    """Third-party distributions the stage's code imports (lazy imports included) or reads."""
    found = set()
    for module in codedeps.closure(entry):
        for node in ast.walk(ast.parse(codedeps.module_file(module).read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                found.update(MODULE_DISTRIBUTIONS.get(name.split(".")[0], []))
        found.update([RUNTIME_ONLY[module]] if module in RUNTIME_ONLY else [])
    return {canonicalize_name(name) for name in found} - {"lipflow"}


ENV_FILES = sorted(set(pipeline.ENVS.values()))


@pytest.mark.parametrize("env", ENV_FILES)
def test_each_env_parses_and_pins_the_versions_of_requirements(env):
    path = REPO / env
    spec = yaml.safe_load(path.read_text())
    assert spec["channels"] == ["conda-forge", "nodefaults"] and "python=3.11" in spec["dependencies"]
    assert (path.parent / f"{path.stem}.post-deploy.sh").is_file(), "lipflow itself comes from the post-deploy script"
    pins = constraint_pins()
    for name, version in env_packages(path).items():
        if name in pins:
            assert same_version(version, pins[name]), (env, name, version, pins[name])
        else:
            assert name in {"python", "pip", "ffmpeg", "espeak-ng", "setuptools", "wheel"}, f"{env}: {name} unpinned"


TENSORFLOW_FREE_STAGES = ("experiment", "results", "figures", "alignment_report", "split", "experiment_split")
"""Stages that only read tables and metrics: importing TensorFlow alone took 7.9 s on this 2-core CPU
(measured beside a training), on every run of the stage."""


@pytest.mark.parametrize("name", TENSORFLOW_FREE_STAGES)
def test_a_stage_that_reads_tables_imports_neither_tensorflow_nor_keras(name):
    imported = imported_distributions(pipeline.STAGES[name].entry) & {"tensorflow", "keras"}
    assert not imported, f"{name} imports {sorted(imported)}"


@pytest.mark.parametrize("name", list(pipeline.STAGES))
def test_each_stage_env_has_every_package_its_code_imports(name):
    spec = pipeline.STAGES[name]
    provided = set(env_packages(REPO / spec.env)) | ({"aeneas"} if spec.env == pipeline.ENVS["align"] else set())
    missing = imported_distributions(spec.entry) - provided
    assert not missing, f"{name} imports {sorted(missing)}, which {spec.env} does not install"


@pytest.mark.slow
def test_each_post_deploy_script_installs_its_part_in_a_fresh_venv(tmp_path):
    """The conda part (numpy, setuptools) stands in as pip packages; each script does the rest
    (one venv for the three: CI time)."""
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    pins = constraint_pins()
    subprocess.run([str(folder / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "setuptools==69.5.1", "wheel", f"numpy=={pins['numpy']}"], check=True, capture_output=True)
    environment = {**os.environ, "PATH": f"{folder / 'bin'}{os.pathsep}{os.environ['PATH']}",
                   "LIPFLOW_SOURCE": str(REPO)}
    for env in ENV_FILES:
        script = REPO / env.replace(".yaml", ".post-deploy.sh")
        result = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, env + result.stdout[-3000:] + result.stderr[-3000:]
        check = "import lipflow.layout" + ("; import aeneas.cdtw, aeneas.cmfcc, aeneas.cew" if "align" in env else "")
        subprocess.run([str(folder / "bin/python"), "-c", check], check=True, env=environment)
