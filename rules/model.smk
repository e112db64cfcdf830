# Training and evaluation of the lip reader named train.run (what they print goes to
# logs/<rule>/<rule>.log: `tail -f logs/train/train.log` follows the epochs). Training keeps its per-epoch
# checkpoints in models/<run>/checkpoints (not a declared output, so Snakemake never deletes
# them): an interrupted training resumes where it stopped.
RUN = PARAMS["train"]["run"]


rule train:
    input:
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        code=stage_code("train"),
    output:
        model=str(layout.best_model(RUN)),
        metrics=str(layout.train_reports(RUN) / "metrics.json"),
    log:
        str(layout.log("train")),
    benchmark:
        str(layout.benchmark("train"))
    conda:
        stage_env("train")
    threads: stage_threads("train")
    resources:
        **stage_resources("train"),
    params:
        **stage_params("train"),
    shell:
        "lipflow train > {log} 2>&1"


rule evaluate:
    input:
        model=rules.train.output.model,
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        code=stage_code("evaluate"),
    output:
        metrics=str(layout.eval_reports(RUN) / "metrics.json"),
        environment=str(layout.eval_reports(RUN) / "environment.json"),
        summary=report(
            str(layout.eval_reports(RUN) / "summary.md"),
            category="Evaluation",
            caption="../workflow/report/summary.rst",
        ),
    log:
        str(layout.log("evaluate")),
    benchmark:
        str(layout.benchmark("evaluate"))
    conda:
        stage_env("evaluate")
    threads: stage_threads("evaluate")
    resources:
        **stage_resources("evaluate"),
    params:
        **stage_params("evaluate"),
    shell:
        "lipflow evaluate > {log} 2>&1"


# Online knowledge distillation (not part of `all`: `snakemake --cores 2 kd`).
KD_RUN = PARAMS["kd"]["run"]


rule train_kd:
    input:
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        code=stage_code("train_kd"),
    output:
        model=str(layout.best_model(KD_RUN)),
        metrics=str(layout.train_reports(KD_RUN) / "metrics.json"),
    log:
        str(layout.log("train_kd")),
    benchmark:
        str(layout.benchmark("train_kd"))
    conda:
        stage_env("train_kd")
    threads: stage_threads("train_kd")
    resources:
        **stage_resources("train_kd"),
    params:
        **stage_params("train_kd"),
    shell:
        "lipflow train-kd > {log} 2>&1"


rule evaluate_kd:
    input:
        model=rules.train_kd.output.model,
        split=rules.split.output,
        mouth=all_shard_lists("mouth"),
        code=stage_code("evaluate_kd"),
    output:
        metrics=str(layout.eval_reports(KD_RUN) / "metrics.json"),
        environment=str(layout.eval_reports(KD_RUN) / "environment.json"),
        summary=report(
            str(layout.eval_reports(KD_RUN) / "summary.md"),
            category="Evaluation",
            caption="../workflow/report/summary.rst",
        ),
    log:
        str(layout.log("evaluate_kd")),
    benchmark:
        str(layout.benchmark("evaluate_kd"))
    conda:
        stage_env("evaluate_kd")
    threads: stage_threads("evaluate_kd")
    resources:
        **stage_resources("evaluate_kd"),
    params:
        **stage_params("evaluate_kd"),
    shell:
        "lipflow evaluate --kd > {log} 2>&1"


rule kd:
    input:
        rules.evaluate_kd.output,


# Vanilla vs KD over experiment.seeds and experiment.protocols (not part of `all`: `snakemake --cores 2
# experiment`): one job per protocol split, one per (method, protocol, seed) run, experiment.threads cores
# each, so --cores 2 with threads 1 trains two runs at a time; then the report from every run.
EXPERIMENT = PARAMS["experiment"]


rule experiment_split:
    input:
        split=rules.split.output,
        code=stage_code("experiment_split"),
    output:
        str(layout.protocol_split_table("{protocol}")),
    log:
        str(layout.log("experiment_split", "{protocol}")),
    benchmark:
        str(layout.benchmark("experiment_split", "{protocol}"))
    conda:
        stage_env("experiment_split")
    threads: stage_threads("experiment_split")
    resources:
        **stage_resources("experiment_split"),
    params:
        **stage_params("experiment_split"),
        command=stage_command_param("experiment_split"),
    shell:
        "{params.command} > {log} 2>&1"


for method in sweep.METHODS:
    stage = f"experiment_{method}"

    rule:
        name:
            stage
        input:
            split=rules.experiment_split.output,
            mouth=all_shard_lists("mouth"),
            code=stage_code(stage),
        output:
            **{
                key: str(path)
                for key, path in sweep.run_outputs(experiment_run(method)).items()
            },
        log:
            str(layout.log(stage, "{protocol}-s{seed}")),
        benchmark:
            str(layout.benchmark(stage, "{protocol}-s{seed}"))
        conda:
            stage_env(stage)
        threads: stage_threads(stage)
        resources:
            **stage_resources(stage),
        params:
            **stage_params(stage),
            command=stage_command_param(stage),
        shell:
            "{params.command} > {log} 2>&1"


rule experiment:
    input:
        runs=[
            str(path)
            for method in sweep.METHODS
            for protocol in EXPERIMENT["protocols"]
            for seed in EXPERIMENT["seeds"]
            for path in sweep.run_outputs(
                experiment_run(method, seed, protocol)
            ).values()
        ],
        code=stage_code("experiment"),
    output:
        report=report(
            str(layout.EXPERIMENT_REPORTS / "kd_vs_vanilla.md"), category="Experiments"
        ),
        metrics=str(layout.EXPERIMENT_REPORTS / "kd_vs_vanilla.json"),
    log:
        str(layout.log("experiment")),
    benchmark:
        str(layout.benchmark("experiment"))
    conda:
        stage_env("experiment")
    threads: stage_threads("experiment")
    resources:
        **stage_resources("experiment"),
    params:
        **stage_params("experiment"),
    shell:
        "lipflow experiment > {log} 2>&1"


rule results:
    input:
        evaluation=rules.evaluate.output.metrics,
        environment=rules.evaluate.output.environment,
        training=rules.train.output.metrics,
        split=rules.split.output.metrics,
        alignment=str(layout.ALIGNMENT_METRICS),
        speech=str(layout.eval_reports(PARAMS["l2s"]["run"]) / "metrics.json"),
        code=stage_code("results"),
    output:
        report(str(layout.REPORTS / "results.md"), category="Results"),
    log:
        str(layout.log("results")),
    benchmark:
        str(layout.benchmark("results"))
    conda:
        stage_env("results")
    threads: stage_threads("results")
    resources:
        **stage_resources("results"),
    params:
        **stage_params("results"),
    shell:
        "lipflow results > {log} 2>&1"


rule figures:
    input:
        training=rules.train.output.metrics,
        evaluation=rules.evaluate.output.metrics,
        align=all_shard_lists("align"),
        fps=all_shard_lists("fps"),
        code=stage_code("figures"),
    output:
        **{
            name: report(
                str(path),
                category="Figures",
                caption=f"../workflow/report/{name}.rst",
            )
            for name, path in layout.FIGURE_FILES.items()
        },
    log:
        str(layout.log("figures")),
    benchmark:
        str(layout.benchmark("figures"))
    conda:
        stage_env("figures")
    threads: stage_threads("figures")
    resources:
        **stage_resources("figures"),
    params:
        **stage_params("figures"),
    shell:
        "lipflow figures > {log} 2>&1"
