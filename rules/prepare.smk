# Data preparation, one job per shard of clips: 25 fps -> aeneas alignment -> .align.
# Inside a job every clip leaves its record (ok / failed / skipped with the reason), so one
# bad clip never stops the others; the manifest rules gather the records per stage.


rule fps:
    input:
        videos=shard_sources,
        code=stage_code("fps"),
    output:
        shard_list("fps"),
    params:
        clips=shard_clips,
        **stage_params("fps"),
    log:
        shard_log("fps"),
    benchmark:
        shard_benchmark("fps"),
    threads: stage_threads("fps")
    resources:
        **stage_resources("fps"),
    conda:
        stage_env("fps")
    shell:
        "lipflow fps --shard {wildcards.shard} > {log} 2>&1"


rule align:
    input:
        fps=shard_list("fps"),
        code=stage_code("align"),
    output:
        shard_list("align"),
    params:
        clips=shard_clips,
        **stage_params("align"),
    log:
        shard_log("align"),
    benchmark:
        shard_benchmark("align"),
    threads: stage_threads("align")
    resources:
        **stage_resources("align"),
    conda:
        stage_env("align")
    shell:
        "lipflow align --shard {wildcards.shard} > {log} 2>&1"


rule manifest:
    input:
        lambda wildcards: all_shard_lists(wildcards.stage),
    output:
        manifest("{stage}"),
    wildcard_constraints:
        stage="|".join(s for s, spec in pipeline.STAGES.items() if spec.per_clip),
    params:
        command=lambda wildcards: pipeline.STAGES[wildcards.stage].command,
    log:
        str(layout.log("manifest", "{stage}")),
    benchmark:
        str(layout.benchmark("manifest", "{stage}")),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow manifest {params.command:q} > {log} 2>&1"


rule alignment_report:
    input:
        all_shard_lists("align"),
        code=stage_code("alignment_report"),
    output:
        str(layout.ALIGNMENT_METRICS),
    params:
        **stage_params("alignment_report"),
    log:
        str(layout.log("alignment_report")),
    benchmark:
        str(layout.benchmark("alignment_report")),
    threads: stage_threads("alignment_report")
    resources:
        **stage_resources("alignment_report"),
    conda:
        stage_env("alignment_report")
    shell:
        "lipflow alignment-report > {log} 2>&1"
