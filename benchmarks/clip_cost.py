"""What a clip costs each per-clip stage, and what planning a GRID-size dataset costs.

Part 1, cost per clip. In a throw-away project with a small embedded corpus (by default 4
speakers x 12 sentences = 48 clips, about one shard of the default corpus's 4), every per-clip
stage runs twice over the same clips, ``--repeats`` times (the medians count):

    job    the command a Snakemake job runs (``lipflow <stage> --shard 0of1 --force``) in a
           fresh process: interpreter start, imports, params, discovery, models, the clips
    warm   the same stage function in this process, already warm (models loaded, one clip
           done before timing): the real work

Both are CPU seconds (user + system, child processes such as ffmpeg included) per clip, and

    overhead share = (job - warm) / job

is what the job model adds (goal: at most 0.25 in every stage).

Part 2, planning. GRID-named placeholder videos (``dataset.kind: grid``, empty files, 33
speakers) for 990, 8 250 and 33 000 clips: wall seconds of ``snakemake -n`` (the default
target) and of ``dvc status``, and the jobs planned. The baseline, measured in the same run
on the smallest size, is the engine's own floor for one job per clip: a Snakefile of six
chained ``touch`` rules per clip. Linear growth means seconds per 1 000 clips stays flat.

Run from the repository root: ``python benchmarks/clip_cost.py`` (about 5 minutes on 2 cores
with one repeat; ``--sizes 990`` for a quick look at planning). Prints tables, then one JSON line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from scaling import REPO, make_project

from lipflow import grid
from lipflow import project as project_mod
from lipflow.synth import corpus
from lipflow.synth.plan import planned_clips

PER_CLIP_STAGES = ("synth", "fps", "align", "landmarks", "mouth")
GRID_SPEAKERS = 33
PER_SPEAKER = (30, 250, 1000)
CHAIN = 6
"""Rules per clip in the baseline Snakefile (the old job model had six per-clip stages)."""


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def lipflow_env() -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def job_cost(folder: Path, stage: str) -> float:
    """CPU seconds of one shard job of ``stage`` over every clip (the work forced)."""
    start = cpu_seconds()
    result = subprocess.run([str(Path(sys.executable).parent / "lipflow"), stage.replace("_", "-"), "--shard", "0of1",
                             "--force"], cwd=folder, env=lipflow_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"lipflow {stage} failed:\n{result.stderr[-3000:]}")
    return cpu_seconds() - start


def warm_cost(folder: Path, stage: str) -> tuple[float, int]:
    """CPU seconds of the stage's function over the clips in this process, after one warm-up clip."""
    os.chdir(folder)
    project = project_mod.load("params.yaml")
    module = importlib.import_module(f"lipflow.stages.{stage}")
    if stage == "synth":
        items = planned_clips(project.params)
        work = lambda item: module.run(project.params, item, force=True)  # noqa: E731
    else:
        items = project.discover()[0]
        work = lambda item: module.STAGE.run_clip(project, item, True)  # noqa: E731
    work(items[0])
    start = cpu_seconds()
    records = [work(item) for item in items]
    failed = [r.clip for r in records if not r.ok]
    if failed:
        raise SystemExit(f"{stage}: clips failed in the warm run: {failed}")
    return cpu_seconds() - start, len(items)


def clip_costs(speakers: int, sentences: int, repeats: int) -> dict[str, dict]:
    folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-cost-")) / "project"
    folder.mkdir()
    here = Path.cwd()
    try:
        make_project(folder, REPO / "params.yaml", speakers, sentences)
        params = yaml.safe_load((folder / "params.yaml").read_text())
        params["shards"]["count"] = 1
        (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
        costs = {}
        for stage in PER_CLIP_STAGES:
            jobs, warms = [], []
            for _ in range(repeats):
                jobs.append(job_cost(folder, stage))
                warm, clips = warm_cost(folder, stage)
                warms.append(warm)
                os.chdir(here)
            job, warm = statistics.median(jobs), statistics.median(warms)
            costs[stage] = {"clips": clips, "job_s_per_clip": round(job / clips, 4),
                            "warm_s_per_clip": round(warm / clips, 4),
                            "overhead_share": round(max(job - warm, 0.0) / job, 3)}
        return costs
    finally:
        os.chdir(here)
        shutil.rmtree(folder.parent, ignore_errors=True)


def grid_placeholders(folder: Path, per_speaker: int) -> int:
    """The workflow, GRID params and empty GRID-named videos; a Git and DVC repository."""
    for name in ("Snakefile", "rules", "envs", "workflow", "dvc.yaml"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, folder / name)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["dataset"].update(kind="grid", root="grid", sentences="builtin:grid", language="eng")
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    for speaker in range(1, GRID_SPEAKERS + 1):
        videos = folder / "grid" / f"s{speaker}"
        videos.mkdir(parents=True)
        for code in corpus.drawn_sentences(params["seed"], speaker, list(grid.sentence_table()), per_speaker):
            (videos / f"{code}.mpg").touch()
    for command in (["git", "init", "-q"], ["dvc", "init", "-q"]):
        subprocess.run(command, cwd=folder, env=lipflow_env(), check=True, capture_output=True)
    return GRID_SPEAKERS * per_speaker


def timed(command: list[str], folder: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=folder, env=lipflow_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, result.stdout + result.stderr


def jobs_planned(output: str) -> int:
    match = re.search(r"^total\s+(\d+)$", output, re.M)
    if not match:
        raise SystemExit(f"no 'Job stats' in the dry run:\n{output[-2000:]}")
    return int(match[1])


def per_clip_chain(folder: Path, clips: int) -> Path:
    """The baseline: ``CHAIN`` touch rules per clip, nothing else."""
    rules = [f'ITEMS = [f"c{{i}}" for i in range({clips})]\n\n'
             f'rule all:\n    input: expand("s{CHAIN}/{{item}}", item=ITEMS)\n']
    for step in range(1, CHAIN + 1):
        source = f'"s{step - 1}/{{item}}"' if step > 1 else ""
        rules.append(f"rule step{step}:\n    input: {source or '[]'}\n    output: \"s{step}/{{item}}\"\n"
                     f"    shell: \"touch {{output}}\"\n")
    folder.mkdir(parents=True)
    (folder / "Snakefile").write_text("\n".join(rules))
    return folder


def planning(sizes: tuple[int, ...]) -> tuple[list[dict], dict]:
    rows = []
    snakemake_bin = str(Path(sys.executable).parent / "snakemake")
    dvc_bin = str(Path(sys.executable).parent / "dvc")
    for per_speaker in sizes:
        folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-plan-")) / "project"
        folder.mkdir()
        try:
            clips = grid_placeholders(folder, per_speaker)
            plan_s, output = timed([snakemake_bin, "-n", "--cores", "2"], folder)
            status_s, _ = timed([dvc_bin, "status"], folder)
            rows.append({"clips": clips, "jobs": jobs_planned(output), "snakemake_n_s": round(plan_s, 2),
                         "dvc_status_s": round(status_s, 2)})
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
        print(f"  planned {rows[-1]}", file=sys.stderr)
    folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-chain-"))
    try:
        clips = GRID_SPEAKERS * sizes[0]
        chain_s, output = timed([snakemake_bin, "-n", "--cores", "2"], per_clip_chain(folder / "chain", clips))
        baseline = {"clips": clips, "jobs": jobs_planned(output), "snakemake_n_s": round(chain_s, 2)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--speakers", type=int, default=4, help="part 1: synthetic speakers (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="part 1: runs of each stage both ways (default: %(default)s)")
    parser.add_argument("--sentences", type=int, default=12, help="part 1: sentences each says (default: %(default)s)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[GRID_SPEAKERS * n for n in PER_SPEAKER],
                        help="part 2: placeholder clips, multiples of 33 (default: %(default)s)")
    parser.add_argument("--skip-costs", action="store_true", help="only part 2")
    args = parser.parse_args()
    if any(size % GRID_SPEAKERS for size in args.sizes):
        parser.error(f"--sizes: multiples of {GRID_SPEAKERS} (clips per speaker x {GRID_SPEAKERS} speakers)")

    costs = {} if args.skip_costs else clip_costs(args.speakers, args.sentences, args.repeats)
    rows, baseline = planning(tuple(sorted(size // GRID_SPEAKERS for size in args.sizes)))

    if costs:
        print(f"cost per clip, CPU seconds ({next(iter(costs.values()))['clips']} clips, one shard, "
              f"median of {args.repeats})")
        print(f"{'stage':<11}{'job':>9}{'warm':>9}{'overhead':>10}")
        for stage, row in costs.items():
            print(f"{stage:<11}{row['job_s_per_clip']:>9.3f}{row['warm_s_per_clip']:>9.3f}{row['overhead_share']:>10.1%}")
    print("planning, wall seconds")
    print(f"{'clips':>7}{'jobs':>7}{'snakemake -n':>14}{'per 1k':>8}{'dvc status':>12}{'per 1k':>8}")
    for row in rows:
        print(f"{row['clips']:>7}{row['jobs']:>7}{row['snakemake_n_s']:>14.1f}"
              f"{1000 * row['snakemake_n_s'] / row['clips']:>8.2f}{row['dvc_status_s']:>12.1f}"
              f"{1000 * row['dvc_status_s'] / row['clips']:>8.2f}")
    print(f"baseline: one job per clip ({CHAIN} touch rules), {baseline['clips']} clips, {baseline['jobs']} jobs: "
          f"snakemake -n {baseline['snakemake_n_s']:.1f} s")
    first, last = rows[0], rows[-1]
    growth = {engine: round((last[key] / last["clips"]) / (first[key] / first["clips"]), 3)
              for engine, key in (("snakemake", "snakemake_n_s"), ("dvc", "dvc_status_s"))}
    vs_baseline = round(first["snakemake_n_s"] / baseline["snakemake_n_s"], 3)
    print(f"growth (seconds per clip at {last['clips']} / at {first['clips']}): snakemake {growth['snakemake']}, "
          f"dvc {growth['dvc']} (1 = linear); lipflow plan / per-clip floor at {first['clips']}: {vs_baseline}")
    print(json.dumps({"costs": costs, "planning": rows, "baseline_per_clip_chain": baseline,
                      "growth_per_clip_ratio": growth, "plan_vs_per_clip_floor": vs_baseline,
                      "max_overhead_share": max((row["overhead_share"] for row in costs.values()), default=None)}))


if __name__ == "__main__":
    main()
