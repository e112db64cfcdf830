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
