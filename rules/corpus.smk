# The embedded corpus, one job per clip (only when dataset.kind is synthetic or grid_synthetic): synthetic
# speakers saying the sentences, written where real recordings would be, with truth files.


rule synth:
    input:
        code=stage_code("synth"),
    output:
        record("synth"),
    params:
        clip=clip_key,
        **stage_params("synth"),
    threads: stage_threads("synth")
    resources:
        **stage_resources("synth"),
    conda:
        stage_env("synth")
    shell:
        "lipflow synth --clip {params.clip:q}"
