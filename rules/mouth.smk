# Mouth crops, one job per shard of clips: dlib landmarks on every frame, then the crops
# (a crop setting reruns no detection); then the seeded train/val(/test) split of all clips.


rule landmarks:
    input:
        fps=shard_list("fps"),
        code=stage_code("landmarks"),
    output:
        shard_list("landmarks"),
    log:
        shard_log("landmarks"),
    benchmark:
        shard_benchmark("landmarks")
    conda:
        stage_env("landmarks")
    threads: stage_threads("landmarks")
    resources:
        **stage_resources("landmarks"),
    params:
        **stage_params("landmarks"),
        clips=shard_clips,
    shell:
        "lipflow landmarks --shard {wildcards.shard} > {log} 2>&1"


rule mouth:
    input:
        fps=shard_list("fps"),
        landmarks=shard_list("landmarks"),
        code=stage_code("mouth"),
    output:
        shard_list("mouth"),
    log:
        shard_log("mouth"),
    benchmark:
        shard_benchmark("mouth")
    conda:
        stage_env("mouth")
    threads: stage_threads("mouth")
    resources:
        **stage_resources("mouth"),
    params:
        **stage_params("mouth"),
        clips=shard_clips,
    shell:
        "lipflow mouth --shard {wildcards.shard} > {log} 2>&1"


rule split:
    input:
        all_shard_lists("mouth"),
        all_shard_lists("align"),
        code=stage_code("split"),
    output:
        table=str(layout.SPLIT_TABLE),
        metrics=str(layout.SPLIT_METRICS),
    log:
        str(layout.log("split")),
    benchmark:
        str(layout.benchmark("split"))
    conda:
        stage_env("split")
    threads: stage_threads("split")
    resources:
        **stage_resources("split"),
    params:
        **stage_params("split"),
    shell:
        "lipflow split > {log} 2>&1"
