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
    conda:
        "../envs/lipflow.yaml"
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
    conda:
        "../envs/lipflow.yaml"
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
    conda:
        "../envs/lipflow.yaml"
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
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow align-convert --clip {params.clip:q}"


rule manifest:
    input:
        lambda wildcards: all_records(wildcards.stage),
    output:
        str(layout.REPORTS / "manifests" / "{stage}.tsv"),
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
        str(layout.METRICS / "alignment.json"),
    params:
        **stage_params("alignment_report"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow alignment-report"
