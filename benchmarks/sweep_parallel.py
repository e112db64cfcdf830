"""The seed sweep in Snakemake: ``snakemake --cores 2 experiment`` against the same runs one at a time.

In a throw-away project (the repository's pipeline files and params.yaml, a small synthetic
corpus and a small LipNet) the data stages and the protocol split run first (not timed). Then
the sweep's runs (vanilla and KD, ``--seeds`` each, ``experiment.threads`` 1) and its report are
timed twice from the same starting point: ``snakemake --cores 1 experiment`` (the baseline, one
run after another) and ``snakemake --cores 2 experiment``. Snakemake's own benchmark file of each
run gives its seconds, so the figure of a timed run is

    wall / runs' sum = wall seconds of the whole target / sum of its runs' benchmark seconds

1.0 when the runs go one after another, 0.5 when two run at once and cost no more each. The goal
of ``--cores 2`` is at most 0.6. Prints a table, then one JSON line. Run from the repository root:

    python benchmarks/sweep_parallel.py                  # 3 seeds: 6 runs, 8 epochs each
    python benchmarks/sweep_parallel.py --seeds 4 --epochs 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from scaling import REPO, tool

from lipflow import codedeps, layout, sweep
from lipflow.timings import summarise

RUN_RULES = tuple(f"experiment_{method}" for method in sweep.METHODS)
PROTOCOL = sweep.PROJECT_SPLIT
SMALL = {
    "dataset": {"kind": "synthetic", "root": "data/corpus"},
    "synth": {"speakers": 3, "sentence_ids": ["9", "10", "15", "18"], "extra_sentences": None, "duration": 2.0,
              "lead_in_min": 0.1, "lead_in_max": 0.2},
    "mouth": {"frames": 50},
    "split": {"val_fraction": 0.25, "test_fraction": 0.25},
    "model": {"filters": [4, 8, 8], "gru_units": 16},
    "train": {"batch_size": 2, "patience": 100},
    "evaluate": {"beam_width": 4, "bootstrap_resamples": 100},
}
"""The tests' small project (tests/test_experiments.py): short clips, a narrow LipNet, a narrow beam."""


def make_project(folder: Path, seeds: int, epochs: int) -> dict:
    codedeps.copy_pipeline(REPO, folder)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for section, values in SMALL.items():
        params[section].update(values)
    params["train"]["epochs"] = epochs
    params["experiment"].update(seeds=list(range(1, seeds + 1)), protocols=[PROTOCOL], threads=1)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params


def clear_sweep(folder: Path) -> None:
    """The runs, their report and their benchmark files; the data and the protocol split stay."""
    for path in (layout.MODELS / sweep.PREFIX, layout.TRAIN_REPORTS / sweep.PREFIX,
                 layout.EVAL_REPORTS / sweep.PREFIX, layout.EXPERIMENT_REPORTS,
                 *(layout.LOGS / rule for rule in (*RUN_RULES, "experiment"))):
        shutil.rmtree(folder / path, ignore_errors=True)


def timed_sweep(folder: Path, cores: int) -> dict:
    """Wall seconds of ``snakemake --cores N experiment`` and the benchmark seconds of its runs."""
    clear_sweep(folder)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    tool(folder, "snakemake", "--cores", str(cores), "experiment")
    wall = time.perf_counter() - started
    rules = {row.rule: row for row in summarise(folder / layout.LOGS)}
    runs = sum(rules[rule].jobs for rule in RUN_RULES)
    runs_sum = sum(rules[rule].wall_s for rule in RUN_RULES)
    return {"wall_s": round(wall, 1), "runs": runs, "runs_sum_s": round(runs_sum, 1),
            "wall_over_runs_sum": round(wall / runs_sum, 3), "load_before": round(load_before, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--seeds", type=int, default=3,
                        help="training seeds, at least 3 (the schema asks for them): 2 runs each "
                             "(default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=8, help="epochs of every run (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away project and print where it is")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-sweep-")) / "project"
    folder.mkdir()
    try:
        make_project(folder, args.seeds, args.epochs)
        started = time.perf_counter()
        tool(folder, "snakemake", "--cores", "2", str(layout.protocol_split_table(PROTOCOL)))
        data_seconds = time.perf_counter() - started
        clips = sum(1 for line in (folder / layout.SPLIT_TABLE).read_text().splitlines()[1:] if line.strip())
        timed = {"serial": timed_sweep(folder, 1), "parallel": timed_sweep(folder, 2)}
        report = json.loads((folder / layout.EXPERIMENT_REPORTS / "kd_vs_vanilla.json").read_text())
    finally:
        if args.keep:
            print(f"project kept in {folder}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)

    serial, parallel = timed["serial"], timed["parallel"]
    print(f"{clips} clips in the split table; data stages and protocol split in {data_seconds:.1f} s (not timed)")
    print(f"timed: `snakemake --cores N experiment`, {parallel['runs']} runs ({', '.join(sweep.METHODS)} x "
          f"{args.seeds} seeds, {args.epochs} epochs, experiment.threads 1) and the report; "
          f"seeds in the report: {report['protocols'][PROTOCOL]['seeds']}")
    print(f"os.cpu_count() {os.cpu_count()}, usable CPUs {len(os.sched_getaffinity(0))}")
    print(f"{'command':<36}{'wall s':>9}{'runs sum s':>12}{'wall / runs sum':>17}{'load':>7}")
    for name, cores in (("serial", 1), ("parallel", 2)):
        row = timed[name]
        print(f"{'snakemake --cores ' + str(cores) + ' experiment':<36}{row['wall_s']:>9.1f}{row['runs_sum_s']:>12.1f}"
              f"{row['wall_over_runs_sum']:>17.3f}{row['load_before']:>7.2f}")
    speedup = serial["wall_s"] / parallel["wall_s"]
    print(f"--cores 2 against --cores 1: {speedup:.2f}x faster; goal wall / runs sum <= 0.6: "
          f"{'met' if parallel['wall_over_runs_sum'] <= 0.6 else 'NOT met'}")
    print(json.dumps({"runs": parallel["runs"], "epochs": args.epochs, "clips": clips,
                      "serial_wall_s": serial["wall_s"], "serial_runs_sum_s": serial["runs_sum_s"],
                      "serial_wall_over_runs_sum": serial["wall_over_runs_sum"],
                      "parallel_wall_s": parallel["wall_s"], "parallel_runs_sum_s": parallel["runs_sum_s"],
                      "parallel_wall_over_runs_sum": parallel["wall_over_runs_sum"],
                      "speedup_vs_serial": round(speedup, 3), "goal_wall_over_runs_sum": 0.6}))


if __name__ == "__main__":
    main()
