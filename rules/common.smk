# Shared set-up: validated params, the clip list, and helpers that read the stage table
# (lipflow.pipeline.STAGES), so rules declare the same params, code inputs, env, threads and
# resources as the dvc.yaml the table generates. Paths come from lipflow.layout.
from pathlib import Path

import lipflow.params
import lipflow.project
from lipflow import layout, pipeline

PARAMS_FILE = "params.yaml"

try:
    PROJECT = lipflow.project.load(PARAMS_FILE)
except lipflow.params.ParamsError as error:
    raise WorkflowError(f"bad parameters in {PARAMS_FILE}: {error}")
PARAMS = PROJECT.params

wildcard_constraints:
    speaker=r"s\d+",
    name=r"[^/]+",


def _sources():
    """Clip key -> source video: planned from params for the synthetic corpus (it does not
    exist yet when the DAG is built), found on disk otherwise."""
    if lipflow.params.is_synthetic(PARAMS):
        from lipflow.synth.plan import planned_clips

        relative = planned_clips(PARAMS)
        return {Path(rel).with_suffix("").as_posix(): str(PROJECT.root / rel) for rel in relative}
    return {clip.key: str(clip.source) for clip in PROJECT.discover()[0]}


SOURCES = _sources()


def clip_keys():
    return list(SOURCES)


def source_video(wildcards):
    """What the fps job reads: the recording, or for the synthetic corpus the synth job's
    record (its video exists only when that job succeeded; the fps job reports it if not)."""
    if lipflow.params.is_synthetic(PARAMS):
        return str(layout.record("synth", clip_key(wildcards)))
    return SOURCES[clip_key(wildcards)]


def clip_key(wildcards):
    return f"{wildcards.speaker}/{wildcards.name}"


def stage_params(stage):
    """The params.yaml values a stage reads, keyed so Snakemake reruns it when they change."""
    values = {}
    for dotted in pipeline.STAGES[stage].params:
        value = PARAMS
        for part in dotted.split("."):
            value = value[part]
        values[dotted.replace(".", "__")] = value
    return values


def stage_code(stage):
    """The source and package-data files the stage's entry module really imports."""
    return pipeline.STAGES[stage].code_files()


def stage_env(stage):
    return str(Path("..") / pipeline.STAGES[stage].env)


def stage_threads(stage):
    return pipeline.STAGES[stage].threads


def stage_resources(stage):
    return pipeline.STAGES[stage].resources


def record(stage):
    """Wildcard pattern of a stage's per-clip record (the job's declared output)."""
    return str(layout.record(stage, "{speaker}/{name}"))


def all_records(stage):
    return [str(layout.record(stage, key)) for key in clip_keys()]


def manifest(stage):
    return str(layout.manifest(stage))
