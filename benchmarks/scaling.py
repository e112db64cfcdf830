"""Snakemake's data preparation (jobs of shards of clips): ``--cores 1`` vs ``--cores 2`` on the embedded corpus.

In a throw-away copy of the workflow (Snakefile, rules/, envs/, workflow/, params.yaml) the
synthetic corpus is generated once (``snakemake`` with the synth manifest as its target,
not timed);
then the per-clip data stages (fps, align, landmarks, mouth: the ``prepare``
target plus the mouth manifest) run from the same starting point with ``--cores 1`` and with
``--cores 2``, their outputs removed before each run and the corpus kept. The figure is

    speed-up = seconds with --cores 1 / seconds with --cores 2

so 2.0 means two clips at a time halve the wall time (the goal is close to 2 on 2 cores).
The runs alternate ``--repeats`` times and each figure is the median; the machine may be
shared, so the load average is printed beside them. Prints a table, then one JSON line. Run
from the repository root:

    python benchmarks/snakemake_cores.py --speakers 2 --sentences 6
    python benchmarks/snakemake_cores.py --full      # the corpus params.yaml asks for (190 clips)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from lipflow import layout
from lipflow import params as params_mod
from lipflow.datasets import read_sentences
from lipflow.synth.plan import planned_clips

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "rules", "envs", "workflow")
PER_CLIP_STAGES = ("fps", "align", "landmarks", "mouth")
CORPUS_TARGET = str(layout.manifest("synth"))
TARGETS = ("prepare", "reports/manifests/mouth.tsv")


def make_project(folder: Path, params_file: Path, speakers: int | None, sentences: int | None) -> dict:
    """The workflow and params in ``folder``; the synth section limited unless both counts are None."""
    for name in WORKFLOW_FILES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO / name, folder / name)
    params = yaml.safe_load(params_file.read_text())
    if params["dataset"]["kind"] != "synthetic":
        raise SystemExit(f"{params_file}: dataset.kind must be synthetic (the embedded corpus) for this benchmark")
    if speakers is not None:
        table = read_sentences(params["dataset"]["sentences"])
        params["synth"].update(speakers=speakers, sentence_ids=list(table)[:sentences], extra_sentences=None)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params_mod.load(folder / "params.yaml")


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # lipflow and snakemake of this environment
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([str(Path(bin_dir) / "snakemake"), *args], cwd=folder, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}"
                         f"\n{result.stderr[-3000:]}")
    return result


def planned_jobs(folder: Path) -> dict[str, int]:
    """Jobs by rule that the timed targets would run now (the dry run's 'Job stats' table)."""
    output = snakemake(folder, "--dry-run", "--cores", "1", *TARGETS)
    text = output.stdout + output.stderr
    if "Job stats:" not in text:
        raise SystemExit(f"no jobs planned:\n{text[-2000:]}")
    table = text.split("Job stats:")[1].split("\n\n")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}


def clear_outputs(folder: Path) -> None:
    """Everything the timed targets write; the corpus and its synth records stay."""
    for stage in PER_CLIP_STAGES:
        shutil.rmtree(folder / layout.stage_dir(stage), ignore_errors=True)
        shutil.rmtree(folder / layout.SHARDS / stage, ignore_errors=True)
        (folder / layout.manifest(stage)).unlink(missing_ok=True)
    (folder / layout.ALIGNMENT_METRICS).unlink(missing_ok=True)


def timed_run(folder: Path, cores: int) -> tuple[float, dict[str, int]]:
    clear_outputs(folder)
    jobs = planned_jobs(folder)
    started = time.perf_counter()
    snakemake(folder, "--cores", str(cores), *TARGETS)
    return time.perf_counter() - started, jobs


def failed_clips(folder: Path) -> dict[str, int]:
    """Clips not ``ok`` per stage, from the manifests' status column (a failed clip is cheaper)."""
    counts = {}
    for stage in PER_CLIP_STAGES:
        lines = (folder / layout.manifest(stage)).read_text().splitlines()
        header = lines[0].split("\t")
        status = header.index("status")
        counts[stage] = sum(1 for line in lines[1:] if line.split("\t")[status] not in ("ok", "skipped"))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--params", default=str(REPO / "params.yaml"), help="params file to start from (default: %(default)s)")
    parser.add_argument("--speakers", type=int, default=2, help="synthetic speakers (default: %(default)s)")
    parser.add_argument("--sentences", type=int, default=6,
                        help="the first N sentences of dataset.sentences, said by every speaker (default: %(default)s)")
    parser.add_argument("--full", action="store_true", help="the corpus params.yaml asks for (ignores --speakers, --sentences)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per core count, alternating (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away project and print where it is")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-cores-")) / "project"
    folder.mkdir()
    try:
        params = make_project(folder, Path(args.params), None if args.full else args.speakers,
                              None if args.full else args.sentences)
        started = time.perf_counter()
        snakemake(folder, "--cores", str(min(2, os.cpu_count() or 1)), CORPUS_TARGET)
        corpus_seconds = time.perf_counter() - started
        clips = len(planned_clips(params))

        seconds: dict[int, list[float]] = {1: [], 2: []}
        loads: list[float] = []
        jobs: dict[str, int] = {}
        for _ in range(args.repeats):
            for cores in (1, 2):
                loads.append(os.getloadavg()[0])
                elapsed, jobs = timed_run(folder, cores)
                seconds[cores].append(elapsed)
        failed = failed_clips(folder)
    finally:
        if args.keep:
            print(f"project kept in {folder}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)

    total_jobs = sum(jobs.values())
    per_clip_jobs = sum(jobs.get(stage, 0) for stage in PER_CLIP_STAGES)
    median = {cores: statistics.median(values) for cores, values in seconds.items()}
    speedup = median[1] / median[2]
    synth = params["synth"]
    print(f"{clips} clips ({synth['speakers']} speakers x {len(synth['sentence_ids']) if synth['sentence_ids'] != 'all' else 'all'} "
          f"sentences, {synth['duration']} s each); corpus generated in {corpus_seconds:.1f} s (not timed)")
    print(f"timed: snakemake {' '.join(TARGETS)}: {total_jobs} jobs, {per_clip_jobs} of them shards of clips "
          f"({', '.join(f'{stage} {jobs.get(stage, 0)}' for stage in PER_CLIP_STAGES)})")
    print(f"os.cpu_count() {os.cpu_count()}, usable CPUs {len(os.sched_getaffinity(0))}, "
          f"1-min load average before each run (cores 1, 2, ...) {', '.join(f'{load:.2f}' for load in loads)}")
    if any(failed.values()):
        print(f"clips not ok (they still ran a job): {failed}")
    print(f"{'cores':<7}{'seconds':>9}{'jobs/s':>9}{'clips/s':>9}   runs")
    for cores in (1, 2):
        print(f"{cores:<7}{median[cores]:>9.1f}{total_jobs / median[cores]:>9.2f}{clips / median[cores]:>9.3f}   "
              f"{', '.join(f'{value:.1f}' for value in seconds[cores])}")
    print(f"speed-up (cores 1 seconds / cores 2 seconds): {speedup:.2f}")
    print(json.dumps({
        "clips": clips, "jobs": total_jobs, "per_clip_jobs": per_clip_jobs, "repeats": args.repeats,
        "cores1_seconds": round(median[1], 2), "cores2_seconds": round(median[2], 2),
        "cores1_jobs_per_s": round(total_jobs / median[1], 3), "cores2_jobs_per_s": round(total_jobs / median[2], 3),
        "speedup": round(speedup, 3), "cpu_count": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
        "load_average_before": [round(load, 2) for load in loads], "corpus_seconds": round(corpus_seconds, 1),
        "failed_clips": failed,
    }))


if __name__ == "__main__":
    main()
