"""Vanilla training against online distillation, over several training seeds.

One seed says little: two trainings of the same model differ by more than many claimed
gains. For every seed of ``experiment.seeds`` this trains a vanilla model and a KD cohort
(``train.seed`` = that seed; corpus and split stay those of the top-level seed), evaluates
the vanilla model and the best KD student (chosen on val) on the held-out splits, and
reports each method's mean and standard deviation. Test numbers are read, never tuned on.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean, stdev

from . import layout
from .evaluate import run as evaluate_run
from .files import read_json, write_json, write_text
from .project import Project

METHODS = ("vanilla", "kd")
RUN_PREFIX = "experiment"
REPORT_NAME = "kd_vs_vanilla"
MEASURES = ("cer", "wer")


def run_name(method: str, seed: int) -> str:
    return f"{RUN_PREFIX}/{method}-s{seed}"


def train_one(params: dict, method: str, seed: int) -> None:
    from .train import kd, vanilla  # TensorFlow loads only here

    seeded = {**params, "train": {**params["train"], "seed": seed}}
    trainer = vanilla.train if method == "vanilla" else kd.train
    trainer(seeded, run_name(method, seed))


def aggregate(results: dict[str, list[dict]]) -> dict:
    """``method -> [metrics.json of each seed]`` -> ``method -> split -> decoder -> {cer_mean, cer_std, ...}``.

    The standard deviation is the sample one (n - 1); it is 0 for a single seed.
    """
    table: dict = {}
    for method, runs in results.items():
        for split, decoders in runs[0].items():
            for decoder, numbers in decoders.items():
                if not isinstance(numbers, dict):
                    continue
                row = table.setdefault(method, {}).setdefault(split, {}).setdefault(decoder, {"runs": len(runs)})
                for measure in MEASURES:
                    values = [r[split][decoder][measure] for r in runs]
                    row[f"{measure}_mean"] = round(mean(values), 6)
                    row[f"{measure}_std"] = round(stdev(values), 6) if len(values) > 1 else 0.0
    return table


def markdown(table: dict, seeds: list[int], params: dict) -> str:
    lines = [
        "# Vanilla vs online knowledge distillation",
        "",
        f"Seeds {', '.join(map(str, seeds))} (train.seed of each run); model variant {params['model']['variant']}, "
        f"KD peers {', '.join(params['kd']['peers'])}, lambda {params['kd']['lambda']}, "
        f"T {params['kd']['temperature']}; split mode {params['split']['mode']}. "
        "Mean and sample standard deviation over the seeds; the KD row is the best student of each cohort, "
        "chosen on val.",
        "",
        "| split | decoder | method | CER | WER |",
        "|---|---|---|---|---|",
    ]
    first = next(iter(table.values()))
    for split, decoders in first.items():
        for decoder in decoders:
            for method in table:
                row = table[method][split][decoder]
                lines.append(f"| {split} | {decoder} | {method} | {100 * row['cer_mean']:.2f} ± {100 * row['cer_std']:.2f}% "
                             f"| {100 * row['wer_mean']:.2f} ± {100 * row['wer_std']:.2f}% |")
    return "\n".join(lines) + "\n"


def run(project: Project) -> str:
    """Train and evaluate every (method, seed), write the report; returns its markdown."""
    params = project.params
    seeds = params["experiment"]["seeds"]
    results: dict[str, list[dict]] = {method: [] for method in METHODS}
    for seed in seeds:
        for method in METHODS:
            name = run_name(method, seed)
            train_one(params, method, seed)
            evaluate_run.evaluate(project, layout.best_model(name), name)
            results[method].append(read_json(layout.eval_reports(name) / "metrics.json"))
    table = aggregate(results)
    text = markdown(table, seeds, params)
    write_json(report_path(".json"), table)
    write_text(report_path(".md"), text)
    return text


def report_path(suffix: str) -> Path:
    return layout.EXPERIMENT_REPORTS / f"{REPORT_NAME}{suffix}"
