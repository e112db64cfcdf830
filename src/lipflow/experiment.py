"""Vanilla training against online distillation, over several training seeds.

One seed says little: two trainings of the same model differ by more than many claimed
gains. For every seed of ``experiment.seeds`` (at least 3) and every protocol, one run
trains a vanilla model and one a KD cohort (``train.seed`` = that seed; corpus and split
stay those of the top-level seed) and evaluates it (the best KD student, chosen on val).
The runs are the engines' jobs (Snakemake wildcards, a DVC matrix), so they go in
parallel and are cached one by one; :func:`run` then reports each method's mean and
standard deviation, and the paired difference KD - vanilla with a 95% interval that
resamples seeds, then clips (the same clips for both methods); an interval covering 0 reads
"no detectable difference". Test numbers are read, never tuned on.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean, stdev

import pandas as pd

from . import layout
from .errors import LipflowError
from .experiment_report import MEASURES, REPORT_NAME, UNITS, capped_runs, protocol_label, protocol_table, training_runs
from .files import read_json, write_json, write_text
from .project import Project
from .scoring import decoders, intervals, metrics
from .sweep import METHODS, PROJECT_SPLIT, finished, run_name, run_outputs

FLOORS = ("floor_most_frequent", "floor_nearest_clip")


def aggregate(results: dict[str, list[dict]]) -> dict:
    """``method -> [metrics.json of each seed]`` -> ``method -> split -> decoder -> {cer_mean, cer_std, ...}``.

    The standard deviation is the sample one (n - 1); a single seed has none (None), not a spread of 0.
    """
    table: dict = {}
    for method, runs in results.items():
        for split, by_decoder in runs[0].items():
            for decoder, numbers in by_decoder.items():
                if not isinstance(numbers, dict):
                    continue
                row = table.setdefault(method, {}).setdefault(split, {}).setdefault(decoder, {"runs": len(runs)})
                for measure in MEASURES:
                    values = [r[split][decoder][measure] for r in runs]
                    row[f"{measure}_mean"] = round(mean(values), 6)
                    row[f"{measure}_std"] = round(stdev(values), 6) if len(values) > 1 else None
    return table


def run_scores(name: str, language: str) -> dict[tuple[str, str], list[metrics.Score]]:
    """(split, decoder) -> every clip's score of one evaluated run, from its predictions.tsv."""
    table = pd.read_csv(run_outputs(name)["predictions"], sep="\t", dtype=str, keep_default_na=False)
    return {(split, decoder): metrics.score_all(rows["reference"], rows[f"hyp_{decoder}"], language)
            for split, rows in table.groupby("split", sort=False)
            for decoder in decoders.decoders(True) if f"hyp_{decoder}" in rows}


def compare(runs: dict[str, list[dict]], resamples: int, seed: int, seeds_wanted: int) -> list[dict]:
    """KD - vanilla per split, decoder and measure, paired over the same clips (negative: KD errs less).
    Before all ``seeds_wanted`` seeds are done the interval is shown but no verdict drawn: a comparison
    needs every seed (experiment.seeds holds at least 3)."""
    seeds_done = len(runs["vanilla"])
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
                "verdict": (intervals.verdict(difference.low, difference.high, "vanilla", "KD")
                            if seeds_done >= seeds_wanted
                            else f"not yet a comparison ({seeds_done} of {seeds_wanted} seeds)"),
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


def mean_and_spread(row: dict, measure: str) -> str:
    """'12.30 ± 1.20%', or '12.30% (one seed)' where there is no spread to show."""
    spread = row[f"{measure}_std"]
    if spread is None:
        return f"{100 * row[f'{measure}_mean']:.2f}% (one seed)"
    return f"{100 * row[f'{measure}_mean']:.2f} ± {100 * spread:.2f}%"


def markdown(table: dict, seeds: list[int], params: dict, comparisons: list[dict] = (),
             protocol: str | None = None) -> str:
    lines = [
        f"## Vanilla vs online knowledge distillation: {protocol or protocol_label(PROJECT_SPLIT, params)}",
        "",
        f"Seeds {', '.join(map(str, seeds))} (train.seed of each run); model variant {params['model']['variant']}, "
        f"KD peers {', '.join(params['kd']['peers'])}, lambda {params['kd']['lambda']}, "
        f"T {params['kd']['temperature']}. "
        "Mean and sample standard deviation over the seeds; the KD row is the best student of each cohort, "
        "chosen on val.",
        "",
        "| split | decoder | method | CER | WER |",
        "|---|---|---|---|---|",
    ]
    first = next(iter(table.values()))
    for split, by_decoder in first.items():
        for decoder in by_decoder:
            # A floor reads the same split whatever was trained: one row, not one per method.
            for method in ("floor",) if decoder in FLOORS else table:
                row = table["vanilla" if method == "floor" else method][split][decoder]
                lines.append(f"| {split} | {decoder} | {method} | {mean_and_spread(row, 'cer')} "
                             f"| {mean_and_spread(row, 'wer')} |")
    if comparisons:
        lines += comparison_lines(comparisons)
    return "\n".join(lines) + "\n"


def protocol_entry(protocol: str, split_tsv: Path, runs: dict[str, list[tuple[int, dict, dict]]], params: dict) -> dict:
    """One protocol's report entry from its finished (seed, metrics, scores) runs; every method has as many."""
    resamples, seed = params["evaluate"]["bootstrap_resamples"], params["seed"]
    results = {method: [metrics_ for _, metrics_, _ in done] for method, done in runs.items()}
    scores = {method: [scores_ for _, _, scores_ in done] for method, done in runs.items()}
    return {
        "split_table": str(split_tsv),
        "seeds": [seed_ for seed_, _, _ in runs["vanilla"]],
        "training": {method: [training_summary(run_name(method, seed_, protocol)) for seed_, _, _ in done]
                     for method, done in runs.items()},
        "methods": aggregate(results),
        "comparisons": compare(scores, resamples, seed, len(params["experiment"]["seeds"])),
        "estimates": estimates(results["vanilla"][0], scores, resamples, seed),
    }


def estimates(first: dict, scores: dict[str, list[dict]], resamples: int, seed: int) -> dict:
    """split -> {floor, vanilla, kd} -> {cer, cer_low, cer_high, wer, ...}: the floor is the better
    trivial reader (lower CER; it does not depend on the training seed), each method's mean over
    seeds with its seeds-then-clips interval (beam decoder)."""
    table = {}
    for split, by_decoder in first.items():
        if not isinstance(by_decoder, dict) or decoders.BEAM not in by_decoder:
            continue
        floor_name = min((name for name in FLOORS if name in by_decoder), key=lambda name: by_decoder[name]["cer"])
        row = {"floor": {"reader": floor_name, **{key: by_decoder[floor_name][key] for measure in MEASURES
                                                  for key in (measure, f"{measure}_low", f"{measure}_high")}}}
        for method, runs in scores.items():
            beam_scores = [run[(split, decoders.BEAM)] for run in runs]
            entry = {}
            for measure, unit in UNITS.items():
                estimate = intervals.seeds_interval(beam_scores, unit, resamples, seed)
                entry.update({measure: estimate.estimate, f"{measure}_low": estimate.low,
                              f"{measure}_high": estimate.high})
            row[method] = entry
        table[split] = row
    return table


def run(project: Project) -> str:
    """The report from the sweep's finished runs, a seed counting for a protocol once both its
    methods are done; runs not done yet are named in it. Returns its markdown."""
    params = project.params
    seeds, protocols = params["experiment"]["seeds"], params["experiment"]["protocols"]
    report: dict = {"seeds": seeds, "protocols": {}, "missing_runs": []}
    for protocol in protocols:
        done: dict[str, list] = {method: [] for method in METHODS}
        for seed in seeds:
            names = {method: run_name(method, seed, protocol) for method in METHODS}
            absent = [name for name in names.values() if not finished(name, params["train"]["epochs"])]
            report["missing_runs"] += absent
            if absent:
                continue
            for method, name in names.items():
                done[method].append((seed, read_json(run_outputs(name)["metrics"]), run_scores(name, project.language)))
        if done["vanilla"]:
            report["protocols"][protocol] = protocol_entry(protocol, layout.protocol_split_table(protocol), done,
                                                           params)
    if not report["protocols"]:
        raise LipflowError("no seed of the sweep has both runs done yet "
                           f"(missing: {', '.join(report['missing_runs'])}): "
                           "run `snakemake --cores 2 experiment` or `dvc repro experiment`")
    text = report_markdown(report, params)
    write_json(report_path(".json"), report)
    write_text(report_path(".md"), text)
    return text


def training_summary(name: str) -> dict:
    """When the run's best epoch was, of how many: a best epoch equal to the last says it stopped too soon."""
    numbers = read_json(run_outputs(name)["training"])
    return {"run": name, **{key: numbers[key] for key in ("best_epoch", "epochs", "stopped_early")}}


def training_line(entry: dict) -> str:
    runs = training_runs(entry["training"])
    capped = capped_runs(entry["training"])
    return ("Best epoch (by val CER) of the epochs run: " + ", ".join(
        f"{run['run'].rsplit('/', 1)[-1]} {run['best_epoch']}/{run['epochs']}" for run in runs) + "."
        + (f" Stopped by the epoch cap, not by early stopping: {', '.join(capped)}." if capped else ""))


def report_markdown(report: dict, params: dict) -> str:
    sections = [markdown(entry["methods"], entry["seeds"], params, entry["comparisons"],
                         protocol_label(protocol, params))
                + "\n" + training_line(entry) + "\n"
                for protocol, entry in report["protocols"].items()]
    missing = ([f"Runs not done yet, left out: {', '.join(report['missing_runs'])}.", ""] if report["missing_runs"]
               else [])
    return "\n".join(["# Does online distillation help?", "", *protocol_table(report["protocols"], params), "",
                      *missing, *sections])


def report_path(suffix: str) -> Path:
    return layout.EXPERIMENT_REPORTS / f"{REPORT_NAME}{suffix}"
