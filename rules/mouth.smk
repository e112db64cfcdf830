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
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow mouth --clip {params.clip:q}"


rule split:
    input:
        all_records("mouth"),
        all_records("align_convert"),
        code=stage_code("split"),
    output:
        str(layout.stage_dir("split") / "split.tsv"),
    params:
        **stage_params("split"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow split"
