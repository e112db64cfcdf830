# Data preparation, one job per clip: 25 fps -> fragments -> aeneas -> .align.
# Each job always writes its record (ok / failed / skipped with the reason), so one bad
# clip never stops the others; the manifest rules gather the records per stage.


rule fps:
    input:
        video=source_video,
        code=stage_code("fps"),
    output:
        record("fps"),
    params:
        clip=clip_key,
        **stage_params("fps"),
    threads: stage_threads("fps")
    resources:
        **stage_resources("fps"),
    conda:
        stage_env("fps")
    shell:
        "lipflow fps --clip {params.clip:q}"


rule fragments:
    input:
        video=source_video,
        code=stage_code("fragments"),
    output:
        record("fragments"),
    params:
        clip=clip_key,
        **stage_params("fragments"),
    threads: stage_threads("fragments")
    resources:
        **stage_resources("fragments"),
    conda:
        stage_env("fragments")
    shell:
        "lipflow fragments --clip {params.clip:q}"


rule align:
    input:
        fps=record("fps"),
        fragments=record("fragments"),
        code=stage_code("align"),
    output:
        record("align"),
    params:
        clip=clip_key,
        **stage_params("align"),
    threads: stage_threads("align")
    resources:
        **stage_resources("align"),
    conda:
        stage_env("align")
    shell:
        "lipflow align --clip {params.clip:q}"


rule align_convert:
    input:
        fps=record("fps"),
        align=record("align"),
        code=stage_code("align_convert"),
    output:
        record("align_convert"),
    params:
        clip=clip_key,
        **stage_params("align_convert"),
    threads: stage_threads("align_convert")
    resources:
        **stage_resources("align_convert"),
    conda:
        stage_env("align_convert")
    shell:
        "lipflow align-convert --clip {params.clip:q}"


rule manifest:
    input:
        lambda wildcards: all_records(wildcards.stage),
    output:
        manifest("{stage}"),
    wildcard_constraints:
        stage="|".join(s for s, spec in pipeline.STAGES.items() if spec.per_clip),
    params:
        command=lambda wildcards: pipeline.STAGES[wildcards.stage].command,
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow manifest {params.command:q}"


rule alignment_report:
    input:
        all_records("align_convert"),
        code=stage_code("alignment_report"),
    output:
        str(layout.ALIGNMENT_METRICS),
    params:
        **stage_params("alignment_report"),
    threads: stage_threads("alignment_report")
    resources:
        **stage_resources("alignment_report"),
    conda:
        stage_env("alignment_report")
    shell:
        "lipflow alignment-report"
