# Shared set-up: validated params, the clip list, and helpers that read the stage table
# (lipflow.pipeline.STAGES), so rules declare the same params, code inputs, env, threads and
# resources as the dvc.yaml the table generates. Paths come from lipflow.layout.
import os
from pathlib import Path

import lipflow.params
import lipflow.project
from lipflow import layout, pipeline, shards, sweep

PARAMS_FILE = "params.yaml"
os.environ.setdefault("LIPFLOW_SOURCE", str(Path(workflow.basedir).resolve()))
"""The checkout whose lipflow the conda envs' post-deploy scripts install (envs/*.post-deploy.sh)."""

try:
    PROJECT = lipflow.project.load(PARAMS_FILE)
except lipflow.params.ParamsError as error:
    raise WorkflowError(f"bad parameters in {PARAMS_FILE}: {error}")
PARAMS = PROJECT.params
if config:
    raise WorkflowError(
        f"snakemake --config is not read ({', '.join(sorted(config))}): every parameter comes from "
        f"{PARAMS_FILE}, which Snakemake, DVC and the lipflow CLI share and every job re-reads. Edit "
        f"{PARAMS_FILE} (only the jobs that depend on the change rerun), or run a variant without editing "
        "it with `dvc exp run -S train.learning_rate=0.0005`."
    )


wildcard_constraints:
    shard=r"\d+of\d+",
    protocol=r"[a-z_]+",
    seed=r"\d+",


def _sources():
    """Clip key -> source video: planned from params for the synthetic corpus (it does not
    exist yet when the DAG is built), found on disk otherwise."""
    if lipflow.params.is_synthetic(PARAMS):
        from lipflow.synth.plan import planned_clips

        relative = planned_clips(PARAMS)
        return {
            Path(rel).with_suffix("").as_posix(): str(PROJECT.root / rel)
            for rel in relative
        }
    return {clip.key: str(clip.source) for clip in PROJECT.discover()[0]}


SOURCES = _sources()
SHARD_CLIPS = {
    shards.name(index, len(parts)): keys
    for parts in [
        shards.partition(list(SOURCES), shards.count(len(SOURCES), PARAMS["shards"]))
    ]
    for index, keys in enumerate(parts)
    if keys
}
"""Shard name -> its clip keys: one job per shard and per-clip stage (lipflow/shards.py)."""


def shard_clips(wildcards):
    """The shard's clips, a param: a clip added to or gone from the shard reruns its jobs."""
    return SHARD_CLIPS[wildcards.shard]


def shard_sources(wildcards):
    """What an fps job reads: the shard's recordings, or for the synthetic corpus the synth job's
    shard list (a clip that failed to generate is reported by synth, not read here)."""
    if lipflow.params.is_synthetic(PARAMS):
        return str(layout.shard_list("synth", wildcards.shard))
    return [SOURCES[key] for key in SHARD_CLIPS[wildcards.shard]]


def shard_list(stage):
    """Wildcard pattern of the list a stage's shard job leaves (its declared output)."""
    return str(layout.shard_list(stage, "{shard}"))


def all_shard_lists(stage):
    return [str(layout.shard_list(stage, shard)) for shard in SHARD_CLIPS]


def shard_log(stage):
    return str(layout.log(stage, "{shard}"))


def shard_benchmark(stage):
    return str(layout.benchmark(stage, "{shard}"))


def stage_params(stage):
    """The params.yaml values a stage reads, keyed so Snakemake reruns it when they change."""
    return {
        dotted.replace(".", "__"): pipeline.lookup(PARAMS, dotted)
        for dotted in pipeline.STAGES[stage].params
    }


def stage_code(stage):
    """The source and package-data files the stage's entry module really imports."""
    return pipeline.STAGES[stage].code_files()


def stage_env(stage):
    return str(Path("..") / pipeline.STAGES[stage].env)


def stage_threads(stage):
    return pipeline.STAGES[stage].thread_count(PARAMS)


def stage_command_param(stage):
    """The stage's CLI command with a ``{<axis>}`` wildcard per matrix axis, for ``params: command=``
    and ``shell: "{params.command} ..."``. Params are fixed when the rule is defined, while Snakemake
    evaluates a ``shell:`` expression again when the job runs: in a rule made in a loop, by then
    with the loop variable's last value (every job would run the last rule's command).
    """
    return pipeline.STAGES[stage].command_line("{{{}}}")


def stage_resources(stage):
    return pipeline.STAGES[stage].resources


def experiment_run(method, seed="{seed}", protocol="{protocol}"):
    """The sweep's run name, as a wildcard pattern unless given a seed and a protocol."""
    return sweep.run_name(method, seed, protocol)


def manifest(stage):
    return str(layout.manifest(stage))
