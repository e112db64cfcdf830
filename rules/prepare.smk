# Data preparation, one job per shard of clips: 25 fps -> aeneas alignment -> .align.
# Inside a job every clip leaves its record (ok / failed / skipped with the reason), so one
# bad clip never stops the others; the manifest rules gather the records per stage.


rule fps:
    input:
        videos=shard_sources,
        code=stage_code("fps"),
    output:
        shard_list("fps"),
    log:
        shard_log("fps"),
    benchmark:
        shard_benchmark("fps")
    conda:
        stage_env("fps")
    threads: stage_threads("fps")
    resources:
        **stage_resources("fps"),
    params:
        **stage_params("fps"),
        clips=shard_clips,
    shell:
        "lipflow fps --shard {wildcards.shard} > {log} 2>&1"


rule align:
    input:
        fps=shard_list("fps"),
        code=stage_code("align"),
    output:
        shard_list("align"),
    log:
        shard_log("align"),
    benchmark:
        shard_benchmark("align")
    conda:
        stage_env("align")
    threads: stage_threads("align")
    resources:
        **stage_resources("align"),
    params:
        **stage_params("align"),
        clips=shard_clips,
    shell:
        "lipflow align --shard {wildcards.shard} > {log} 2>&1"


rule manifest:
    input:
        lambda wildcards: all_shard_lists(wildcards.stage),
    output:
        manifest("{stage}"),
    log:
        str(layout.log("manifest", "{stage}")),
    benchmark:
        str(layout.benchmark("manifest", "{stage}"))
    wildcard_constraints:
        stage="|".join(s for s, spec in pipeline.STAGES.items() if spec.per_clip),
    conda:
        str(Path("..") / pipeline.ENVS["core"])
    params:
        command=lambda wildcards: pipeline.STAGES[wildcards.stage].command,
    shell:
        "lipflow manifest {params.command:q} > {log} 2>&1"


rule alignment_report:
    input:
        all_shard_lists("align"),
        code=stage_code("alignment_report"),
    output:
        str(layout.ALIGNMENT_METRICS),
    log:
        str(layout.log("alignment_report")),
    benchmark:
        str(layout.benchmark("alignment_report"))
    conda:
        stage_env("alignment_report")
    threads: stage_threads("alignment_report")
    resources:
        **stage_resources("alignment_report"),
    params:
        **stage_params("alignment_report"),
    shell:
        "lipflow alignment-report > {log} 2>&1"
