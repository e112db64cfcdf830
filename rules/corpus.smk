# The embedded corpus, one job per shard of clips (only when dataset.kind is synthetic or
# grid_synthetic): synthetic speakers saying the sentences, written where real recordings
# would be, with truth files.


rule synth:
    input:
        code=stage_code("synth"),
    output:
        shard_list("synth"),
    log:
        shard_log("synth"),
    benchmark:
        shard_benchmark("synth")
    conda:
        stage_env("synth")
    threads: stage_threads("synth")
    resources:
        **stage_resources("synth"),
    params:
        **stage_params("synth"),
        clips=shard_clips,
    shell:
        "lipflow synth --shard {wildcards.shard} > {log} 2>&1"
