"""One run of the vanilla-vs-KD sweep, a job of its own: trains a method with one seed on one
protocol's split and evaluates it, unless a checkout already holds its finished reports. Kept
apart from the report (:mod:`lipflow.experiment`), which reads the runs and trains nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import layout, splitfile
from .errors import LipflowError
from .evaluate import run as evaluate_run
from .files import read_json
from .project import Project
from .sweep import finished, run_name, run_outputs
from .threads import limit_threads


def run_one(project: Project, method: str, trainer: Callable, seed: int, protocol: str) -> str:
    """One run of the sweep: ``trainer`` (vanilla.train or kd.train) with ``train.seed`` = ``seed`` on
    the protocol's split, then the evaluation of its best model. Returns a summary line."""
    params = project.params
    name, split_tsv = run_name(method, seed, protocol), layout.protocol_split_table(protocol)
    if protocol not in params["experiment"]["protocols"]:
        raise LipflowError(f"protocol {protocol!r} is not one of experiment.protocols "
                           f"{params['experiment']['protocols']}")
    if not split_tsv.is_file():
        raise LipflowError(f"{split_tsv} is missing: run `lipflow experiment-split --protocol {protocol}` first")
    if committed(params, name, split_tsv) is not None:
        return f"{name}: finished in an earlier checkout (its reports match {split_tsv}): not trained again"
    limit_threads(params, "experiment.threads")
    trainer({**params, "train": {**params["train"], "seed": seed}}, name, split_tsv=split_tsv)
    evaluate_run.evaluate(project, layout.best_model(name), name, split_tsv)
    return f"{name}: trained and evaluated -> {layout.eval_reports(name)}"


def committed(params: dict, name: str, split_tsv: Path) -> dict | None:
    """The metrics of a run finished in an earlier checkout, which kept its reports but not its
    models (only finished runs' reports are committed): training ran to its end and the evaluation
    scored exactly the val/test clips the split table holds now. None when the run must (re)train."""
    if layout.best_model(name).is_file() or not finished(name, params["train"]["epochs"]):
        return None
    outputs = run_outputs(name)
    scored = pd.read_csv(outputs["predictions"], sep="\t", dtype=str, usecols=["split", "clip"])
    held_out = {(row.split, row.clip) for row in splitfile.read(split_tsv) if row.split in params["evaluate"]["splits"]}
    return (read_json(outputs["metrics"]) if set(zip(scored["split"], scored["clip"], strict=True)) == held_out
            else None)
