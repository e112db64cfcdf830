# Mouth crops, one job per clip, then the seeded train/val(/test) split of all clips.


rule mouth:
    input:
        fps=record("fps"),
        code=stage_code("mouth"),
    output:
        record("mouth"),
    params:
        clip=clip_key,
        **stage_params("mouth"),
    threads: stage_threads("mouth")
    resources:
        **stage_resources("mouth"),
    conda:
        stage_env("mouth")
    shell:
        "lipflow mouth --clip {params.clip:q}"


rule split:
    input:
        all_records("mouth"),
        all_records("align_convert"),
        code=stage_code("split"),
    output:
        table=str(layout.SPLIT_TABLE),
        metrics=str(layout.SPLIT_METRICS),
    params:
        **stage_params("split"),
    threads: stage_threads("split")
    resources:
        **stage_resources("split"),
    conda:
        stage_env("split")
    shell:
        "lipflow split"
