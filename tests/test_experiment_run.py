"""One run of the sweep, as a fresh checkout sees it."""

from __future__ import annotations

import yaml

from lipflow import experiment_run, layout, splitfile, sweep
from lipflow.files import write_json, write_text
from tests.conftest import REPO
from tests.test_experiment import metrics


def test_a_finished_run_is_reused_from_its_committed_reports_only_while_they_match(tmp_path, monkeypatch):
    """A fresh checkout has the finished runs' reports but no models: the study goes on from them."""
    monkeypatch.chdir(tmp_path)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    name, split_tsv = sweep.run_name("vanilla", 1, sweep.PROJECT_SPLIT), tmp_path / "split.tsv"
    rows = [splitfile.Row(f"s1/c{i}", "s1", f"c{i}", "a", split) for i, split in enumerate(["train", "val", "test"])]
    splitfile.write(split_tsv, rows)
    write_json(layout.train_reports(name) / "metrics.json",
               {"best_epoch": 3, "epochs": params["train"]["epochs"], "stopped_early": False})
    write_json(layout.eval_reports(name) / "metrics.json", metrics(0.1, 0.3))
    write_text(layout.eval_reports(name) / "predictions.tsv", "split\tclip\thyp_beam\nval\ts1/c1\ta\ntest\ts1/c2\ta\n")

    assert experiment_run.committed(params, name, split_tsv) == metrics(0.1, 0.3)

    rows[0].split = "test"
    splitfile.write(split_tsv, rows)
    assert experiment_run.committed(params, name, split_tsv) is None, "the split changed: the run is stale"
    rows[0].split = "train"
    splitfile.write(split_tsv, rows)
    write_json(layout.train_reports(name) / "metrics.json",
               {"best_epoch": 3, "epochs": params["train"]["epochs"] - 1, "stopped_early": False})
    assert experiment_run.committed(params, name, split_tsv) is None, "training was interrupted: it must resume"
    write_json(layout.train_reports(name) / "metrics.json", {"best_epoch": 3, "epochs": 4, "stopped_early": True})
    assert experiment_run.committed(params, name, split_tsv) == metrics(0.1, 0.3)
    write_text(layout.best_model(name), "a model")
    assert experiment_run.committed(params, name, split_tsv) is None, "with its model the usual resume applies"
