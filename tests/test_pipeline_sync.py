"""Snakefile and dvc.yaml declare the same stages: commands, params and code dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lipflow.cli import build_parser
from lipflow.pipeline import STAGES
from tests.conftest import REPO

SNAKEMAKE_ONLY = {"all", "manifest", "prepare", "kd"}


@pytest.fixture(scope="module")
def dvc_stages() -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


@pytest.fixture(scope="module")
def snakemake_rules(tmp_path_factory) -> dict:
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=REPO)
        return {rule.name: rule for rule in workflow._workflow.rules}


def test_every_stage_is_in_both_engines(dvc_stages, snakemake_rules):
    assert set(dvc_stages) == set(STAGES)
    assert set(snakemake_rules) - SNAKEMAKE_ONLY == set(STAGES)


@pytest.mark.parametrize("name", list(STAGES))
def test_dvc_stage_matches_the_stage_table(name, dvc_stages):
    spec, stage = STAGES[name], dvc_stages[name]
    assert stage["cmd"] == f"lipflow {spec.command}"
    assert stage["params"] == list(spec.params)
    code_deps = [d for d in stage["deps"] if d.startswith("src/")]
    assert code_deps == spec.code_paths()
    assert all((REPO / path).is_file() for path in code_deps)


@pytest.mark.parametrize("name", list(STAGES))
def test_snakemake_rule_matches_the_stage_table(name, snakemake_rules):
    spec, rule = STAGES[name], snakemake_rules[name]
    command = f"lipflow {spec.command}"
    assert rule.shellcmd == command or rule.shellcmd.startswith(command + " --clip ")
    declared = {key for key in rule.params._names} - {"clip"}
    assert declared == {p.replace(".", "__") for p in spec.params}
    inputs = {str(Path(item)) for item in rule.input if isinstance(item, str)}
    assert set(spec.module_files()) <= inputs


def test_every_stage_command_exists_in_the_cli():
    parser = build_parser()
    for spec in STAGES.values():
        parser.parse_args(spec.command.split())  # exits (fails the test) on an unknown command or flag


def test_per_clip_dvc_outputs_persist_for_resume(dvc_stages):
    for name, spec in STAGES.items():
        if spec.per_clip:
            data_outs = [o for o in dvc_stages[name]["outs"] if isinstance(o, dict) and next(iter(o)).startswith("data/")]
            assert data_outs and all(next(iter(o.values())).get("persist") for o in data_outs), name
