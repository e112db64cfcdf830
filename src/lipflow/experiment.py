"""Vanilla training against online distillation, over several training seeds.

One seed says little: two trainings of the same model differ by more than many claimed
gains. For every seed of ``experiment.seeds`` (at least 3) this trains a vanilla model and
a KD cohort (``train.seed`` = that seed; corpus and split stay those of the top-level seed),
evaluates the vanilla model and the best KD student (chosen on val) on the held-out splits,
and reports each method's mean and standard deviation, and the paired difference KD -
vanilla with a 95% interval that resamples seeds, then clips (the same clips for both
methods); an interval covering 0 reads "no detectable difference". Test numbers are read,
never tuned on.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean, stdev

import pandas as pd

from . import layout
from .evaluate import run as evaluate_run
from .files import read_json, write_json, write_text
from .project import Project
from .scoring import decode, intervals, metrics

METHODS = ("vanilla", "kd")
RUN_PREFIX = "experiment"
REPORT_NAME = "kd_vs_vanilla"
MEASURES = ("cer", "wer")
UNITS = {"cer": "chars", "wer": "words"}


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


def run_scores(name: str, language: str) -> dict[tuple[str, str], list[metrics.Score]]:
    """(split, decoder) -> every clip's score of one evaluated run, from its predictions.tsv."""
    table = pd.read_csv(layout.eval_reports(name) / "predictions.tsv", sep="\t", dtype=str, keep_default_na=False)
    return {(split, decoder): metrics.score_all(rows["reference"], rows[f"hyp_{decoder}"], language)
            for split, rows in table.groupby("split", sort=False)
            for decoder in decode.decoders(True) if f"hyp_{decoder}" in rows}


def compare(runs: dict[str, list[dict]], resamples: int, seed: int) -> list[dict]:
    """KD - vanilla per split, decoder and measure, paired over the same clips (negative: KD errs less)."""
    rows = []
    for key in runs["vanilla"][0]:
        vanilla, kd = [run[key] for run in runs["vanilla"]], [run[key] for run in runs["kd"]]
        for measure, unit in UNITS.items():
            difference = intervals.paired_difference(vanilla, kd, unit, resamples, seed)
            rows.append({
                "split": key[0], "decoder": key[1], "measure": measure,
                "vanilla": mean(metrics.summarise(scores)[measure] for scores in vanilla),
                "kd": mean(metrics.summarise(scores)[measure] for scores in kd),
                "difference": difference.estimate, "low": difference.low, "high": difference.high,
                "verdict": intervals.verdict(difference.low, difference.high, "vanilla", "KD"),
            })
    return rows


def comparison_lines(comparisons: list[dict]) -> list[str]:
    lines = ["", "Paired difference KD - vanilla (negative: KD makes fewer errors), 95% interval resampling "
                 "seeds, then clips:", "",
             "| split | decoder | measure | KD - vanilla | 95% interval | verdict |", "|---|---|---|---|---|---|"]
    for row in comparisons:
        lines.append(f"| {row['split']} | {row['decoder']} | {row['measure'].upper()} | {100 * row['difference']:+.2f} "
                     f"| [{100 * row['low']:+.2f}, {100 * row['high']:+.2f}] | {row['verdict']} |")
    return lines


def markdown(table: dict, seeds: list[int], params: dict, comparisons: list[dict] = ()) -> str:
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
    if comparisons:
        lines += comparison_lines(comparisons)
    return "\n".join(lines) + "\n"


def run(project: Project) -> str:
    """Train and evaluate every (method, seed), write the report; returns its markdown."""
    params = project.params
    seeds = params["experiment"]["seeds"]
    results: dict[str, list[dict]] = {method: [] for method in METHODS}
    scores: dict[str, list[dict]] = {method: [] for method in METHODS}
    for seed in seeds:
        for method in METHODS:
            name = run_name(method, seed)
            train_one(params, method, seed)
            evaluate_run.evaluate(project, layout.best_model(name), name)
            results[method].append(read_json(layout.eval_reports(name) / "metrics.json"))
            scores[method].append(run_scores(name, project.language))
    table = aggregate(results)
    comparisons = compare(scores, params["evaluate"]["bootstrap_resamples"], params["seed"])
    text = markdown(table, seeds, params, comparisons)
    write_json(report_path(".json"), {"seeds": seeds, "methods": table, "comparisons": comparisons})
    write_text(report_path(".md"), text)
    return text


def report_path(suffix: str) -> Path:
    return layout.EXPERIMENT_REPORTS / f"{REPORT_NAME}{suffix}"
