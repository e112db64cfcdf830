"""The vanilla-vs-KD sweep: one stage per method, protocol and seed, and the report over them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import yaml

from lipflow import codedeps, experiment, layout, models, sweep
from lipflow.files import write_json, write_text
from lipflow.scoring.metrics import score_all
from tests.conftest import REPO
from tests.train.conftest import LABELS, write_project, write_split


def metrics(cer: float, wer: float) -> dict:
    return {"test": {"clips": 4, "beam": {"cer": cer, "wer": wer, "clips": 4}}}


def test_aggregate_gives_mean_and_sample_deviation_per_method_and_none_for_one_seed():
    table = experiment.aggregate({"vanilla": [metrics(0.1, 0.3), metrics(0.3, 0.5)], "kd": [metrics(0.2, 0.4)]})
    assert table["vanilla"]["test"]["beam"] == {"runs": 2, "cer_mean": 0.2,
                                                "cer_std": pytest.approx(0.141421, abs=1e-6),
                                                "wer_mean": 0.4, "wer_std": pytest.approx(0.141421, abs=1e-6)}
    assert table["kd"]["test"]["beam"]["cer_std"] is None
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    report = experiment.markdown(table, [1, 2], params)
    assert "| test | beam | vanilla | 20.00 ± 14.14% | 40.00 ± 14.14% |" in report
    assert "| test | beam | kd | 20.00% (one seed) | 40.00% (one seed) |" in report


def test_the_training_line_names_the_runs_the_epoch_cap_stopped():
    training = {
        "vanilla": [{"run": "experiment/random/vanilla-s1", "best_epoch": 79, "epochs": 80, "stopped_early": False}],
        "kd": [{"run": "experiment/random/kd-s1", "best_epoch": 63, "epochs": 73, "stopped_early": True}]}
    line = experiment.training_line({"training": training})
    assert "vanilla-s1 79/80, kd-s1 63/73." in line
    assert line.endswith("Stopped by the epoch cap, not by early stopping: experiment/random/vanilla-s1.")


def test_no_verdict_before_every_seed_is_done():
    """The interval of the seeds done is shown, but KD clearly ahead on one seed is not yet a comparison."""
    references = ["uno due tre", "pane caldo", "sole e mare", "vino rosso"]
    vanilla = {("test", "beam"): score_all(references, ["uno", "pane", "sole", "vino"], "ita")}
    kd = {("test", "beam"): score_all(references, references, "ita")}
    runs = {"vanilla": [vanilla], "kd": [kd]}
    early = next(row for row in experiment.compare(runs, 200, 0, seeds_wanted=3) if row["measure"] == "cer")
    assert early["verdict"] == "not yet a comparison (1 of 3 seeds)" and early["high"] < 0
    runs = {"vanilla": [vanilla] * 3, "kd": [kd] * 3}
    done = next(row for row in experiment.compare(runs, 200, 0, seeds_wanted=3) if row["measure"] == "cer")
    assert done["verdict"] == "KD has the lower error rate"


def test_a_run_still_training_beside_the_report_is_not_finished(tmp_path, monkeypatch):
    """A retrained run holds its earlier reports while its training metrics are rewritten each epoch."""
    monkeypatch.chdir(tmp_path)
    name = sweep.run_name("vanilla", 1, "random")
    outputs = sweep.run_outputs(name)
    write_json(outputs["metrics"], metrics(0.1, 0.3))
    write_text(outputs["predictions"], "split\tclip\thyp_beam\ntest\ts1/c1\ta\n")
    assert not sweep.finished(name, 200), "no training metrics yet"
    write_json(outputs["training"], {"best_epoch": 30, "epochs": 40, "stopped_early": False})
    assert not sweep.finished(name, 200)
    write_json(outputs["training"], {"best_epoch": 190, "epochs": 200, "stopped_early": False})
    assert sweep.finished(name, 200), "the epoch cap ended it"
    write_json(outputs["training"], {"best_epoch": 30, "epochs": 40, "stopped_early": True})
    assert sweep.finished(name, 200), "early stopping ended it"


def dvc(root, *args: str) -> str:
    result = subprocess.run(["dvc", *args], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, f"dvc {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def set_seeds(root, seeds: list[int]) -> None:
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["experiment"]["seeds"] = seeds
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.mark.slow
def test_the_sweep_runs_each_method_and_seed_as_a_dvc_matrix_stage_and_a_new_seed_runs_only_its_runs(tmp_path):
    """The tiny readable corpus (its crops and split made by hand, so only the sweep's stages run:
    ``dvc repro --single-item``). Each run is a stage of its own; the report reads them all."""
    root = write_project(tmp_path)
    write_split(root, [(f"s{index % 2 + 1}/{index}-T{index}", LABELS[index % 2],
                        "train" if index < 6 else "test" if index < 8 else "val") for index in range(10)])
    codedeps.copy_pipeline(REPO, root)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["train"].update(epochs=1)
    params["kd"].update(peers=["small", "small"])
    params["evaluate"].update(beam_width=2, bootstrap_resamples=100)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    set_seeds(root, [1, 2, 3])
    for command in (["git", "init", "-q"], ["dvc", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "project"]):
        subprocess.run(command, cwd=root, check=True, capture_output=True)
    sweep_stages = ["--single-item", "--glob", "experiment*"]

    log = dvc(root, "repro", *sweep_stages)
    ran = sorted(re.findall(r"Running stage '([^']+)'", log))
    assert ran == ["experiment", "experiment_kd@split-1", "experiment_kd@split-2", "experiment_kd@split-3",
                   "experiment_split@split", "experiment_vanilla@split-1", "experiment_vanilla@split-2",
                   "experiment_vanilla@split-3"], log
    report = json.loads((root / "reports/experiments/kd_vs_vanilla.json").read_text())
    entry = report["protocols"]["split"]
    assert entry["seeds"] == [1, 2, 3] and report["missing_runs"] == []
    assert (entry["methods"]["vanilla"]["val"]["greedy"]["runs"] == 3
            and "cer_std" in entry["methods"]["kd"]["val"]["beam"])
    for who in ("floor", "vanilla", "kd"):
        numbers = entry["estimates"]["val"][who]
        assert numbers["cer_low"] <= numbers["cer"] <= numbers["cer_high"]
    beam_cer = next(row for row in entry["comparisons"]
                    if (row["split"], row["decoder"], row["measure"]) == ("val", "beam", "cer"))
    assert beam_cer["low"] <= beam_cer["difference"] <= beam_cer["high"]
    assert beam_cer["difference"] == pytest.approx(beam_cer["kd"] - beam_cer["vanilla"], abs=1e-9)
    assert [run["epochs"] for run in entry["training"]["kd"]] == [1, 1, 1]
    text = (root / "reports/experiments/kd_vs_vanilla.md").read_text()
    assert "KD - vanilla" in text and beam_cer["verdict"] in text and "Best epoch (by val CER)" in text
    kernels = [models.load_model(root / layout.best_model(sweep.run_name("vanilla", seed, "split")))
               .get_layer("conv1").get_weights()[0] for seed in (1, 2)]
    assert not np.array_equal(*kernels), "training seeds 1 and 2 gave the same weights"
    shown = dvc(root, "metrics", "show", "--json")
    assert "reports/eval/experiment/split/kd-s3/metrics.json" in shown

    set_seeds(root, [1, 2, 3, 4])
    status = subprocess.run(["dvc", "status", "--json"], cwd=root, capture_output=True, text=True, check=True).stdout
    stale = [stage for stage in json.loads(status) if stage.startswith("experiment")]
    assert sorted(stale) == ["experiment", "experiment_kd@split-4", "experiment_vanilla@split-4"], \
        "a new seed leaves the finished runs alone"
    set_seeds(root, [1, 2, 3])

    (root / layout.eval_reports(sweep.run_name("kd", 2, "split")) / "metrics.json").unlink()
    partial = subprocess.run([sys.executable, "-m", "lipflow", "experiment"], cwd=root, capture_output=True, text=True)
    assert partial.returncode == 0, partial.stderr[-2000:]
    report = json.loads((root / "reports/experiments/kd_vs_vanilla.json").read_text())
    assert report["missing_runs"] == ["experiment/split/kd-s2"] and report["protocols"]["split"]["seeds"] == [1, 3]
    assert ("Runs not done yet, left out: experiment/split/kd-s2."
            in (root / "reports/experiments/kd_vs_vanilla.md").read_text())
