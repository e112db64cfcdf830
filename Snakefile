# lipflow pipeline for Snakemake: `snakemake --cores 2` runs everything params.yaml asks for.
# The same stages, commands and params are declared in dvc.yaml (`dvc repro`), which
# `lipflow dvc-yaml` generates from the stage table in src/lipflow/pipeline.py.
from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


include: "rules/common.smk"


# Gathering a stage's records into its manifest takes a second: on a cluster it runs where
# Snakemake runs instead of waiting for a SLURM slot (profiles/slurm).
localrules:
    manifest,
    prepare,
    all,


include: "rules/corpus.smk"
include: "rules/prepare.smk"
include: "rules/mouth.smk"
include: "rules/model.smk"
include: "rules/speech.smk"


rule prepare:
    input:
        [manifest(stage) for stage in ("fps", "align")],
        str(layout.ALIGNMENT_METRICS),


rule all:
    default_target: True
    input:
        rules.prepare.input,
        manifest("landmarks"),
        manifest("mouth"),
        rules.split.output,
        rules.evaluate.output,
        rules.l2s.input,
        rules.results.output,
        rules.figures.output,
