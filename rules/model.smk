# Training and evaluation of the lip reader named train.run. Training keeps its per-epoch
# checkpoints in models/<run>/checkpoints (not a declared output, so Snakemake never deletes
# them): an interrupted training resumes where it stopped.
RUN = PARAMS["train"]["run"]


rule train:
    input:
        split=rules.split.output,
        mouth=all_records("mouth"),
        code=stage_code("train"),
    output:
        model=f"models/{RUN}/model.keras",
        metrics=f"reports/train/{RUN}/metrics.json",
    params:
        **stage_params("train"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow train"


rule evaluate:
    input:
        model=rules.train.output.model,
        split=rules.split.output,
        code=stage_code("evaluate"),
    output:
        metrics=f"reports/eval/{RUN}/metrics.json",
        summary=report(f"reports/eval/{RUN}/summary.md", category="Evaluation", caption="../workflow/report/summary.rst"),
    params:
        **stage_params("evaluate"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow evaluate"


# Online knowledge distillation (not part of `all`: `snakemake --cores 2 kd`).
KD_RUN = PARAMS["kd"]["run"]


rule train_kd:
    input:
        split=rules.split.output,
        mouth=all_records("mouth"),
        code=stage_code("train_kd"),
    output:
        model=f"models/{KD_RUN}/model.keras",
        metrics=f"reports/train/{KD_RUN}/metrics.json",
    params:
        **stage_params("train_kd"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow train-kd"


rule evaluate_kd:
    input:
        model=rules.train_kd.output.model,
        split=rules.split.output,
        code=stage_code("evaluate_kd"),
    output:
        metrics=f"reports/eval/{KD_RUN}/metrics.json",
        summary=report(f"reports/eval/{KD_RUN}/summary.md", category="Evaluation", caption="../workflow/report/summary.rst"),
    params:
        **stage_params("evaluate_kd"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow evaluate --kd"


rule kd:
    input:
        rules.evaluate_kd.output,


# Vanilla vs KD over experiment.seeds (not part of `all`: `snakemake --cores 2 experiment`).
rule experiment:
    input:
        split=rules.split.output,
        mouth=all_records("mouth"),
        code=stage_code("experiment"),
    output:
        report=report("reports/experiments/kd_vs_vanilla.md", category="Experiments"),
        metrics="reports/experiments/kd_vs_vanilla.json",
    params:
        **stage_params("experiment"),
    conda:
        "../envs/lipflow.yaml"
    shell:
        "lipflow experiment"
