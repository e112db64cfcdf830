"""The conda environment for `snakemake --use-conda` pins what requirements/base.txt pins.

Conda channels cannot be reached here, so CI runs from pip; this keeps the two in step.
"""

import re
from pathlib import Path

import yaml

from tests.conftest import REPO


def pip_pins() -> dict[str, str]:
    lines = (REPO / "requirements/base.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "envs/lipflow.yaml").read_text())
    pins = {}
    for dependency in env["dependencies"]:
        if isinstance(dependency, dict):
            pins.update(line.split("==") for line in dependency["pip"] if "==" in line)
        elif "=" in dependency:
            name, version = dependency.split("=")
            pins[name] = version
    return pins


def same_version(a: str, b: str) -> bool:
    return re.sub(r"(\.0)+$", "", a) == re.sub(r"(\.0)+$", "", b)


def test_conda_env_pins_every_pip_requirement_at_the_same_version():
    conda = conda_pins()
    for name, version in pip_pins().items():
        assert name in conda, f"{name} is pinned in requirements/base.txt but not in envs/lipflow.yaml"
        assert same_version(conda[name], version), (name, conda[name], version)


def test_every_rule_uses_the_conda_env():
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    env = (REPO / "envs/lipflow.yaml").resolve()
    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=REPO)
        rules = list(workflow._workflow.rules)
    with_commands = [rule for rule in rules if rule.shellcmd]
    assert with_commands
    for rule in with_commands:
        assert rule.conda_env, rule.name
        # a rule's conda env is relative to the file that declares the rule
        assert (Path(rule.snakefile).parent / rule.conda_env).resolve() == env, (rule.name, rule.conda_env)
