"""Data-stage throughput on the same clips, one engine after another: Snakemake with ``--cores 1``
(the baseline), Snakemake with ``--cores 2``, ``dvc repro`` and Snakemake's SLURM profile.

In a throw-away project (the repository's pipeline files and params.yaml) the synthetic
corpus is generated once (not timed) and committed to DVC's lock; then each engine runs the
per-clip data stages (fps, align, landmarks, mouth: the ``prepare`` target plus the landmarks
and mouth manifests in Snakemake, ``dvc repro --no-run-cache align mouth`` in DVC) from the same
starting point, their outputs removed before each run and the corpus kept. The figure of an engine is

    ratio = seconds with --cores 1 / its seconds

so 2.0 means twice the clips per second of one core. The SLURM engine uses a single-node
cluster on this machine (scripts/slurm_local.sh, as root; skipped with its reason where it
cannot start): its jobs also pay sbatch and sacct polling, here at the test's quick setting.
The runs alternate ``--repeats`` times and each figure is the median; the machine may be
shared, so the load average is printed beside them. Prints a table, then one JSON line. Run
from the repository root:

    python benchmarks/scaling.py                 # 4 speakers x 12 sentences: 2 shards per stage
    python benchmarks/scaling.py --full      # the corpus params.yaml asks for (190 clips)
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

from lipflow import codedeps, layout
from lipflow import params as params_mod
from lipflow.datasets import read_sentences
from lipflow.synth.plan import planned_clips

REPO = Path(__file__).resolve().parents[1]
PER_CLIP_STAGES = ("fps", "align", "landmarks", "mouth")
CORPUS_TARGET = str(layout.manifest("synth"))
TARGETS = ("prepare", str(layout.manifest("landmarks")), str(layout.manifest("mouth")))
SLURM_POLLING = ("--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "1",
                 "--latency-wait", "5")
"""An idle one-node cluster answers at once; the profile's defaults suit a busy shared one."""
BASELINE, SLURM = "cores1", "slurm"
ENGINES = {
    BASELINE: ("snakemake --cores 1", ("snakemake", "--cores", "1", *TARGETS)),
    "cores2": ("snakemake --cores 2", ("snakemake", "--cores", "2", *TARGETS)),
    "dvc_repro": ("dvc repro", ("dvc", "repro", "--no-run-cache", "align", "mouth")),
    SLURM: ("snakemake --profile profiles/slurm",
            ("snakemake", "--profile", "profiles/slurm", *SLURM_POLLING, *TARGETS)),
}
"""Key of an engine's figures in the JSON line: its name in the table, its command."""


def make_project(folder: Path, params_file: Path, speakers: int | None, sentences: int | None) -> dict:
    """The pipeline files and params in ``folder``; the synth section limited unless both counts are None."""
    codedeps.copy_pipeline(REPO, folder)
    params = yaml.safe_load(params_file.read_text())
    if params["dataset"]["kind"] != "synthetic":
        raise SystemExit(f"{params_file}: dataset.kind must be synthetic (the embedded corpus) for this benchmark")
    if speakers is not None:
        table = read_sentences(params["dataset"]["sentences"])
        params["synth"].update(speakers=speakers, sentence_ids=list(table)[:sentences], extra_sentences=None)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params_mod.load(folder / "params.yaml")


def tool(folder: Path, *command: str) -> subprocess.CompletedProcess:
    """``command`` (snakemake, dvc, git) of this environment, in ``folder``; exits with its output on failure."""
    bin_dir = str(Path(sys.executable).parent)  # lipflow, snakemake and dvc of this environment
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(list(command), cwd=folder, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}"
                         f"\n{result.stderr[-3000:]}")
    return result


def start_cluster() -> str | None:
    """None when the single-node SLURM cluster is up, else why it is not."""
    started = subprocess.run(["bash", str(REPO / "scripts/slurm_local.sh")], capture_output=True, text=True)
    if started.returncode == 0:
        return None
    return ((started.stderr or started.stdout).strip().splitlines() or ["scripts/slurm_local.sh failed"])[-1]


def track_with_dvc(folder: Path) -> None:
    """A Git and DVC repository whose lock holds the generated corpus, so ``dvc repro`` starts after it."""
    tool(folder, "git", "init", "-q")
    tool(folder, "dvc", "init", "-q")
    tool(folder, "dvc", "commit", "--force", "synth")


def planned_jobs(folder: Path) -> dict[str, int]:
    """Jobs by rule that the timed targets would run now (the dry run's 'Job stats' table)."""
    output = tool(folder, "snakemake", "--dry-run", "--cores", "1", *TARGETS)
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


def timed_run(folder: Path, engine: str) -> float:
    clear_outputs(folder)
    started = time.perf_counter()
    tool(folder, *ENGINES[engine][1])
    return time.perf_counter() - started


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
    parser.add_argument("--params", default=str(REPO / "params.yaml"),
                        help="params file to start from (default: %(default)s)")
    parser.add_argument("--speakers", type=int, default=4, help="synthetic speakers (default: %(default)s)")
    parser.add_argument("--sentences", type=int, default=12,
                        help="the first N sentences of dataset.sentences, said by every speaker (default: %(default)s)")
    parser.add_argument("--full", action="store_true",
                        help="the corpus params.yaml asks for (ignores --speakers, --sentences)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="timed runs per engine, alternating (default: %(default)s)")
    parser.add_argument("--no-slurm", action="store_true", help="leave out the SLURM profile")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away project and print where it is")
    args = parser.parse_args()

    slurm_missing = "--no-slurm" if args.no_slurm else start_cluster()
    engines = [engine for engine in ENGINES if engine != SLURM or slurm_missing is None]
    folder = Path(tempfile.mkdtemp(prefix="lipflow-bench-scaling-")) / "project"
    folder.mkdir()
    try:
        params = make_project(folder, Path(args.params), None if args.full else args.speakers,
                              None if args.full else args.sentences)
        started = time.perf_counter()
        tool(folder, "snakemake", "--cores", str(min(2, os.cpu_count() or 1)), CORPUS_TARGET)
        corpus_seconds = time.perf_counter() - started
        track_with_dvc(folder)
        clips = len(planned_clips(params))
        clear_outputs(folder)
        jobs = planned_jobs(folder)

        seconds: dict[str, list[float]] = {engine: [] for engine in engines}
        loads: list[float] = []
        failed: dict[str, dict[str, int]] = {}
        for _ in range(args.repeats):
            for engine in engines:
                loads.append(os.getloadavg()[0])
                seconds[engine].append(timed_run(folder, engine))
                failed[engine] = failed_clips(folder)
    finally:
        if args.keep:
            print(f"project kept in {folder}")
        else:
            shutil.rmtree(folder.parent, ignore_errors=True)

    total_jobs = sum(jobs.values())
    per_clip_jobs = sum(jobs.get(stage, 0) for stage in PER_CLIP_STAGES)
    median = {engine: statistics.median(values) for engine, values in seconds.items()}
    ratio = {engine: median[BASELINE] / median[engine] for engine in engines}
    synth = params["synth"]
    print(f"{clips} clips ({synth['speakers']} speakers x "
          f"{len(synth['sentence_ids']) if synth['sentence_ids'] != 'all' else 'all'} "
          f"sentences, {synth['duration']} s each); corpus generated in {corpus_seconds:.1f} s (not timed)")
    print(f"timed: the data stages fps, align, landmarks, mouth; in Snakemake {total_jobs} jobs, "
          f"{per_clip_jobs} of them "
          f"shards of clips ({', '.join(f'{stage} {jobs.get(stage, 0)}' for stage in PER_CLIP_STAGES)}); "
          f"in DVC one job per stage")
    print(f"os.cpu_count() {os.cpu_count()}, usable CPUs {len(os.sched_getaffinity(0))}, "
          f"1-min load average before each run {', '.join(f'{load:.2f}' for load in loads)}")
    if slurm_missing:
        print(f"SLURM profile left out: {slurm_missing}")
    for engine, counts in failed.items():
        if any(counts.values()):
            print(f"{ENGINES[engine][0]}: clips not ok (they still ran): {counts}")
    print(f"{'engine':<36}{'seconds':>9}{'clips/s':>9}{'ratio':>7}   runs")
    for engine in engines:
        print(f"{ENGINES[engine][0]:<36}{median[engine]:>9.1f}{clips / median[engine]:>9.3f}{ratio[engine]:>7.2f}   "
              f"{', '.join(f'{value:.1f}' for value in seconds[engine])}")
    print(f"ratio: {ENGINES[BASELINE][0]} seconds / the engine's seconds (higher is faster)")
    figures = {"clips": clips, "jobs": total_jobs, "per_clip_jobs": per_clip_jobs, "repeats": args.repeats}
    for engine in ENGINES:
        figures[f"{engine}_seconds"] = round(median[engine], 2) if engine in median else None
        figures[f"{engine}_clips_per_s"] = round(clips / median[engine], 3) if engine in median else None
        figures[f"{engine}_ratio"] = round(ratio[engine], 3) if engine in ratio else None
    figures.update({"slurm_left_out": slurm_missing, "cpu_count": os.cpu_count(),
                    "usable_cpus": len(os.sched_getaffinity(0)),
                    "load_average_before": [round(load, 2) for load in loads],
                    "corpus_seconds": round(corpus_seconds, 1), "failed_clips": failed})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
