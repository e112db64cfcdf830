"""lipflow experiment: vanilla vs KD over training seeds, on the tiny readable corpus."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from lipflow import experiment, layout, models, project as project_mod, splitfile
from lipflow.files import write_json, write_text
from tests.conftest import REPO
from tests.train.conftest import write_project


def metrics(cer: float, wer: float) -> dict:
    return {"test": {"clips": 4, "beam": {"cer": cer, "wer": wer, "clips": 4}}}


def test_aggregate_gives_mean_and_sample_deviation_per_method():
    table = experiment.aggregate({"vanilla": [metrics(0.1, 0.3), metrics(0.3, 0.5)], "kd": [metrics(0.2, 0.4)]})
    assert table["vanilla"]["test"]["beam"] == {"runs": 2, "cer_mean": 0.2, "cer_std": pytest.approx(0.141421, abs=1e-6),
                                                "wer_mean": 0.4, "wer_std": pytest.approx(0.141421, abs=1e-6)}
    assert table["kd"]["test"]["beam"]["cer_std"] == 0.0
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    assert "| test | beam | vanilla | 20.00 ± 14.14% | 40.00 ± 14.14% |" in experiment.markdown(table, [1, 2], params)


@pytest.mark.slow
def test_experiment_trains_each_method_per_seed_and_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(write_project(tmp_path))
    params = yaml.safe_load((tmp_path / "params.yaml").read_text())
    params["train"].update(epochs=1)
    params["kd"].update(peers=["small", "small"])
    params["experiment"]["seeds"] = [1, 2, 3]
    params["evaluate"].update(beam_width=2)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))

    text = experiment.run(project_mod.load("params.yaml"))

    assert "| val | beam | vanilla |" in text and "| val | beam | kd |" in text
    report = yaml.safe_load((tmp_path / "reports/experiments/kd_vs_vanilla.json").read_text())
    entry = report["protocols"]["split"]
    table = entry["methods"]
    assert table["vanilla"]["val"]["greedy"]["runs"] == 3 and "cer_std" in table["kd"]["val"]["beam"]
    assert report["seeds"] == [1, 2, 3]
    for who in ("floor", "vanilla", "kd"):
        numbers = entry["estimates"]["val"][who]
        assert numbers["cer_low"] <= numbers["cer"] <= numbers["cer_high"]
    beam_cer = next(row for row in entry["comparisons"]
                    if (row["split"], row["decoder"], row["measure"]) == ("val", "beam", "cer"))
    assert beam_cer["low"] <= beam_cer["difference"] <= beam_cer["high"]
    assert beam_cer["difference"] == pytest.approx(beam_cer["kd"] - beam_cer["vanilla"], abs=1e-9)
    assert "KD - vanilla" in text and beam_cer["verdict"] in text
    assert [run["epochs"] for run in entry["training"]["kd"]] == [1, 1, 1] and "Best epoch (by val CER)" in text
    kernels = [models.load_model(tmp_path / "models/experiment" / f"vanilla-s{seed}/model.keras")
               .get_layer("conv1").get_weights()[0] for seed in (1, 2)]
    assert not np.array_equal(*kernels), "training seeds 1 and 2 gave the same weights"
    for run in ("vanilla-s1", "kd-s2"):
        assert (tmp_path / "reports/eval/experiment" / run / "summary.md").is_file()


def test_a_finished_run_is_reused_from_its_committed_reports_only_while_they_match(tmp_path, monkeypatch):
    """A fresh checkout has the finished runs' reports but no models: the study goes on from them."""
    monkeypatch.chdir(tmp_path)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    name, split_tsv = experiment.run_name("vanilla", 1), tmp_path / "split.tsv"
    rows = [splitfile.Row(f"s1/c{i}", "s1", f"c{i}", "a", split) for i, split in enumerate(["train", "val", "test"])]
    splitfile.write(split_tsv, rows)
    write_json(layout.train_reports(name) / "metrics.json",
               {"best_epoch": 3, "epochs": params["train"]["epochs"], "stopped_early": False})
    write_json(layout.eval_reports(name) / "metrics.json", metrics(0.1, 0.3))
    write_text(layout.eval_reports(name) / "predictions.tsv", "split\tclip\thyp_beam\nval\ts1/c1\ta\ntest\ts1/c2\ta\n")

    assert experiment.committed(params, name, split_tsv) == metrics(0.1, 0.3)

    rows[0].split = "test"
    splitfile.write(split_tsv, rows)
    assert experiment.committed(params, name, split_tsv) is None, "the split changed: the run is stale"
    rows[0].split = "train"
    splitfile.write(split_tsv, rows)
    write_json(layout.train_reports(name) / "metrics.json",
               {"best_epoch": 3, "epochs": params["train"]["epochs"] - 1, "stopped_early": False})
    assert experiment.committed(params, name, split_tsv) is None, "training was interrupted: it must resume"
    write_json(layout.train_reports(name) / "metrics.json", {"best_epoch": 3, "epochs": 4, "stopped_early": True})
    assert experiment.committed(params, name, split_tsv) == metrics(0.1, 0.3)
    write_text(layout.best_model(name), "a model")
    assert experiment.committed(params, name, split_tsv) is None, "with its model the usual resume applies"
