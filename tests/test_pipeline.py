"""The stage table is the single source: dvc.yaml is generated from it, the Snakemake rules
take their params, code inputs, env, threads and resources from it and read the same
upstream stages, and every stage command exists in the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lipflow import layout, pipeline
from lipflow import params as params_mod
from lipflow.cli import build_parser
from lipflow.pipeline import STAGES
from tests.conftest import REPO

DATASET_ROOT = pipeline.DATASET_ROOT
SNAKEMAKE_ONLY = {"all", "manifest", "prepare", "kd", "l2s"}


def test_the_committed_dvc_yaml_is_what_the_table_generates():
    assert (REPO / "dvc.yaml").read_text() == pipeline.dvc_yaml(), "run `lipflow dvc-yaml` and commit dvc.yaml"


def test_dvc_yaml_check_says_when_the_file_is_stale(tmp_path):
    (tmp_path / "params.yaml").write_text((REPO / "params.yaml").read_text())
    (tmp_path / "dvc.yaml").write_text(pipeline.dvc_yaml() + "# edited by hand\n")
    command = [sys.executable, "-m", "lipflow", "dvc-yaml", "--check"]
    stale = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert stale.returncode == 1 and "differs from the stage table" in stale.stderr
    subprocess.run([sys.executable, "-m", "lipflow", "dvc-yaml"], cwd=tmp_path, check=True, capture_output=True)
    assert subprocess.run(command, cwd=tmp_path, capture_output=True).returncode == 0


def test_the_committed_lock_holds_only_stages_that_exist(dvc_stages):
    """DVC keeps a renamed or removed stage's lock entry forever; a stale entry would make the lock
    describe a pipeline that no longer exists."""
    locked = yaml.safe_load((REPO / "dvc.lock").read_text())["stages"]
    assert {name.split("@")[0] for name in locked} <= set(dvc_stages)


def upstream_stages(paths) -> set[str]:
    """The per-clip stages (and the split) whose outputs some of ``paths`` are (Snakemake reads a
    per-clip stage through its shard lists)."""
    found = set()
    for path in map(Path, paths):
        for stage, folder in layout.STAGE_DIRS.items():
            if folder in path.parents or path == folder or path == layout.SPLIT_TABLE and stage == "split":
                found.add(stage)
            if layout.SHARDS / stage in path.parents:
                found.add(stage)
    return found


@pytest.fixture(scope="module")
def dvc_stages() -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


@pytest.fixture(scope="module")
def snakemake_rules() -> dict:
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=REPO / "Snakefile", workdir=REPO)
        return {rule.name: rule for rule in workflow._workflow.rules}


@pytest.mark.parametrize("name", [name for name, spec in pipeline.STAGES.items() if not spec.per_clip])
def test_snakemake_reads_the_stages_dvc_reads(name, snakemake_rules):
    """Whole-dataset stages: the same upstream outputs in both engines (per-clip rules read
    their own clip's records, which the engine tests cover)."""
    spec, rule = pipeline.STAGES[name], snakemake_rules[name]
    declared = upstream_stages(path for path in spec.reads if path != DATASET_ROOT)
    assert upstream_stages(str(item) for item in rule.input if isinstance(item, str)) == declared


@pytest.mark.parametrize("name", list(pipeline.STAGES))
def test_rules_take_env_threads_and_resources_from_the_table(name, snakemake_rules):
    spec, rule = pipeline.STAGES[name], snakemake_rules[name]
    assert Path(rule.conda_env).name == Path(spec.env).name
    assert rule.resources["_cores"] == spec.thread_count(params_mod.load(REPO / "params.yaml"))


def test_every_stage_is_in_both_engines(dvc_stages, snakemake_rules):
    assert set(dvc_stages) == set(STAGES)
    assert set(snakemake_rules) - SNAKEMAKE_ONLY == set(STAGES)


@pytest.mark.parametrize("name", list(STAGES))
def test_dvc_stage_matches_the_stage_table(name, dvc_stages):
    spec, stage = STAGES[name], dvc_stages[name]
    assert stage["cmd"] == spec.command_line()
    assert stage["params"] == list(spec.params)
    code_deps = [d for d in stage["deps"] if d.startswith("src/")]
    assert code_deps == spec.code_paths()
    assert all((REPO / path).exists() for path in code_deps)  # modules, and package-data folders
    assert stage == spec.dvc_stage()


@pytest.mark.parametrize("name", list(STAGES))
def test_snakemake_rule_matches_the_stage_table(name, snakemake_rules):
    spec, rule = STAGES[name], snakemake_rules[name]
    command = spec.command_line("{{wildcards.{}}}")
    shard_job = f"{command} --shard {{wildcards.shard}}"
    if "command" in rule.params._names:  # a matrix rule: its command is fixed when it is defined
        assert rule.shellcmd == "{params.command} > {log} 2>&1"
        assert rule.params.command == spec.command_line("{{{}}}")
    else:
        assert rule.shellcmd.split(" > {log}")[0] in ((shard_job,) if spec.per_clip else (command,))
    assert set(rule.wildcard_names) - {"shard"} == set(spec.matrix)
    declared = {key for key in rule.params._names} - {"clips", "command"}
    assert declared == {p.replace(".", "__") for p in spec.params}
    inputs = {str(Path(item)) for item in rule.input if isinstance(item, str)}
    assert set(spec.code_files()) <= inputs


def test_every_stage_command_exists_in_the_cli():
    parser = build_parser()
    for spec in STAGES.values():
        # exits (fails the test) on an unknown command or flag
        parser.parse_args(spec.command_line("1").split()[1:])


def test_per_clip_dvc_outputs_persist_for_resume(dvc_stages):
    for name, spec in STAGES.items():
        if spec.per_clip:
            data_outs = [o for o in dvc_stages[name]["outs"]
                         if isinstance(o, dict) and next(iter(o)).startswith("data/")]
            assert data_outs and all(next(iter(o.values())).get("persist") for o in data_outs), name


def test_snakemake_config_overrides_are_refused_with_the_way_to_change_a_param(project):
    """params.yaml is the one source the jobs read: a --config value would be silently ignored."""
    for override, named in (("train={learning_rate: 0.1}", "train"), ("epochs=5", "epochs")):
        result = project.run("snakemake", "--dry-run", "--cores", "1", "--config", override, check=False)
        assert result.returncode != 0
        assert f"snakemake --config is not read ({named})" in result.stdout + result.stderr
        assert "dvc exp run -S" in result.stdout + result.stderr
    assert project.run("snakemake", "--dry-run", "--cores", "1").returncode == 0


def test_every_rule_keeps_a_log_and_a_benchmark(snakemake_rules):
    for name, rule in snakemake_rules.items():
        if name in SNAKEMAKE_ONLY - {"manifest"}:
            continue
        assert [str(p) for p in rule.log][0].startswith(f"{layout.LOGS}/"), name
        assert str(rule.benchmark).endswith(".benchmark.tsv"), name


def test_snakemake_lint_finds_nothing():
    """Snakemake's own linter (log and benchmark per rule, no absolute paths, params, envs...) is clean."""
    result = subprocess.run(["snakemake", "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "your workflow is in a good condition" in result.stdout + result.stderr, result.stdout + result.stderr


def test_each_registered_model_is_the_best_model_inside_a_stages_cached_output(dvc_stages):
    """The registry entries point into outputs DVC already caches, so a version tag alone
    makes a model downloadable; a run renamed in params moves its entry with it."""
    cached_outs = {next(iter(out)) if isinstance(out, dict) else out
                   for stage in dvc_stages.values() for out in stage.get("outs", ())}
    artifacts = yaml.safe_load((REPO / "dvc.yaml").read_text())["artifacts"]
    assert artifacts == pipeline.top_level_artifacts()
    for name, artifact in artifacts.items():
        assert artifact["type"] == "model"
        run_dir = Path(artifact["path"]).parent.as_posix()
        assert run_dir in cached_outs and Path(artifact["path"]).name == layout.BEST_MODEL, name


def test_every_tensorflow_stage_reserves_the_threads_it_sets():
    """A stage whose code builds or runs a Keras model takes its cores from a params key it declares
    and reaches the code that sets TensorFlow's threads to them: --cores N is never oversubscribed."""
    tensorflow_stages = {name for name, spec in STAGES.items()
                         if {"src/lipflow/models/__init__.py", "src/lipflow/threads.py"} & set(spec.code_paths())}
    assert {"train", "train_kd", "evaluate", "evaluate_kd", "asr", "train_l2s", "evaluate_l2s",
            "experiment_vanilla", "experiment_kd"} <= tensorflow_stages
    for name in tensorflow_stages:
        spec = STAGES[name]
        assert isinstance(spec.threads, str), f"{name}: threads must come from a param"
        assert any(spec.threads == key or spec.threads.startswith(key + ".") for key in spec.params), name
        assert "src/lipflow/threads.py" in spec.code_paths(), f"{name} never sets TensorFlow's threads"
