# Lip-to-speech (not part of `all`: `snakemake --cores 2 l2s`): log-mel targets per shard of clips,
# the speech recogniser, the generator and its scoring. Training keeps per-epoch checkpoints in
# models/<run>/checkpoints (not declared outputs, so never deleted): interrupted training resumes.
L2S_RUN = PARAMS["l2s"]["run"]
RECOGNISER = str(layout.best_model("asr"))


rule mel:
    input:
        fps=shard_list("fps"),
        mouth=shard_list("mouth"),
        code=stage_code("mel"),
    output:
        shard_list("mel"),
    log:
        shard_log("mel"),
    benchmark:
        shard_benchmark("mel")
    conda:
        stage_env("mel")
    threads: stage_threads("mel")
    resources:
        **stage_resources("mel"),
    params:
        **stage_params("mel"),
        clips=shard_clips,
    shell:
        "lipflow mel --shard {wildcards.shard} > {log} 2>&1"


rule asr:
    input:
        split=rules.split.output,
        mel=all_shard_lists("mel"),
        code=stage_code("asr"),
    output:
        model=RECOGNISER,
        training=str(layout.train_reports("asr") / "metrics.json"),
        metrics=str(layout.eval_reports("asr") / "metrics.json"),
    log:
        str(layout.log("asr")),
    benchmark:
        str(layout.benchmark("asr"))
    conda:
        stage_env("asr")
    threads: stage_threads("asr")
    resources:
        **stage_resources("asr"),
    params:
        **stage_params("asr"),
    shell:
        "lipflow asr > {log} 2>&1"


rule train_l2s:
    input:
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        mel=all_shard_lists("mel"),
        recogniser=RECOGNISER,
        code=stage_code("train_l2s"),
    output:
        model=str(layout.best_model(L2S_RUN)),
        metrics=str(layout.train_reports(L2S_RUN) / "metrics.json"),
    log:
        str(layout.log("train_l2s")),
    benchmark:
        str(layout.benchmark("train_l2s"))
    conda:
        stage_env("train_l2s")
    threads: stage_threads("train_l2s")
    resources:
        **stage_resources("train_l2s"),
    params:
        **stage_params("train_l2s"),
    shell:
        "lipflow train-l2s > {log} 2>&1"


rule evaluate_l2s:
    input:
        model=rules.train_l2s.output.model,
        recogniser=RECOGNISER,
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        mel=all_shard_lists("mel"),
        code=stage_code("evaluate_l2s"),
    output:
        metrics=str(layout.eval_reports(L2S_RUN) / "metrics.json"),
        report=directory(str(layout.eval_reports(L2S_RUN) / layout.SPEECH_REPORT)),
    log:
        str(layout.log("evaluate_l2s")),
    benchmark:
        str(layout.benchmark("evaluate_l2s"))
    conda:
        stage_env("evaluate_l2s")
    threads: stage_threads("evaluate_l2s")
    resources:
        **stage_resources("evaluate_l2s"),
    params:
        **stage_params("evaluate_l2s"),
    shell:
        "lipflow evaluate-l2s > {log} 2>&1"


rule l2s:
    input:
        rules.evaluate_l2s.output,
        manifest("mel"),
