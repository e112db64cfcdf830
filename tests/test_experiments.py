"""DVC experiments on the embedded corpus: `dvc exp run -S train.learning_rate=...` retrains
without redoing the data stages, `dvc metrics diff` shows CER/WER before and after, `dvc
plots diff` renders, and `lipflow predict` reads a clip of that corpus.

One throw-away project for the module: a tiny synthetic corpus (3 speakers x 4 short
sentences, 2 s clips), a tiny LipNet trained for 2 epochs, evaluated with a narrow beam.
Two epochs teach it little (it reads every clip as a few letters, so WER stays 1.0), but a
learning rate 100 times smaller leaves a different model whose CER differs.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess

import pytest
import yaml

from lipflow.datasets import read_sentences
from lipflow.scoring import decode, decoders
from tests.conftest import Project, ffmpeg, make_project

pytestmark = pytest.mark.slow
DATA_STAGES = ("synth", "fps", "align", "landmarks", "mouth", "split")
EVAL_METRICS = "reports/eval/vanilla/metrics.json"
MODEL = "models/vanilla/model.keras"
BASELINE_RATE, EXPERIMENT_RATE = 0.01, 0.0001
SENTENCE_IDS = ["9", "10", "15", "18"]  # the shortest sentences: they fit 2 s clips


def project_run(project: Project, check: bool = True):
    """project.run that fails with the command's own output, not just its exit status."""
    def run(*args: str) -> subprocess.CompletedProcess:
        result = project.run(*args, check=False)
        if check:
            assert result.returncode == 0, (f"{' '.join(args)} exited {result.returncode}:\n"
                                            f"{result.stdout}\n{result.stderr}")
        return result
    return run


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The project after `dvc repro evaluate`, committed as the baseline; yields (project, its eval metrics)."""
    project = make_project(tmp_path_factory.mktemp("experiments") / "project")
    project.set_params(**{
        "dataset.kind": "synthetic", "dataset.root": "data/corpus",
        "synth.speakers": 3, "synth.sentence_ids": SENTENCE_IDS, "synth.duration": 2.0,
        "synth.lead_in_min": 0.1, "synth.lead_in_max": 0.2,
        "mouth.frames": 50,
        "split.val_fraction": 0.25, "split.test_fraction": 0.25,
        "model.filters": [4, 8, 8], "model.gru_units": 16,
        "train.learning_rate": BASELINE_RATE, "train.epochs": 2, "train.batch_size": 2,
        "evaluate.beam_width": 4,
    })
    run = project_run(project)
    run("git", "init", "-q")
    run("git", "config", "user.email", "test@lipflow")
    run("git", "config", "user.name", "lipflow test")
    run("dvc", "init", "-q")
    # Code and params first, as in any project: dvclive (in lipflow train) fails in a Git
    # repository without commits.
    run("git", "add", "-A")
    run("git", "commit", "-qm", "pipeline")
    run("dvc", "repro", "evaluate")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "baseline")
    yield project, json.loads((project.root / EVAL_METRICS).read_text())


def test_experiment_retrains_only_and_metrics_diff_shows_cer_wer(baseline, tmp_path):
    project, before = baseline
    run = project_run(project)
    # The target keeps KD and the seed experiment (not in the baseline) out of this run.
    ran = run("dvc", "exp", "run", "evaluate", "-S", f"train.learning_rate={EXPERIMENT_RATE}")
    log = ran.stdout + ran.stderr
    assert re.findall(r"Running stage '(\w+)'", log) == ["train", "evaluate"], log
    for stage in DATA_STAGES:
        assert f"Stage '{stage}' didn't change, skipping" in log, log
    assert "written with other parameters: starting afresh" in log  # the baseline's checkpoints are not resumed
    assert project.params["train"]["learning_rate"] == EXPERIMENT_RATE
    after = json.loads((project.root / EVAL_METRICS).read_text())

    # Every split x decoder CER and WER, keyed by split in the model's metrics file, old and new.
    everything = json.loads(run("dvc", "metrics", "diff", "--all", "--json").stdout)
    assert sorted(everything) == [EVAL_METRICS, "reports/metrics/split.json",  # the model is in the path
                                  "reports/train/vanilla/metrics.json"]
    keys = everything[EVAL_METRICS]
    assert {key.split(".")[0] for key in keys} == {"val", "test"}
    for split in ("val", "test"):
        for decoder in decoders.decoders(snap=True):
            for rate in ("cer", "wer"):
                key = f"{split}.{decoder}.{rate}"
                assert keys[key]["old"] == before[split][decoder][rate], key
                assert keys[key]["new"] == after[split][decoder][rate], key
    # Plain `dvc metrics diff` lists what changed: CERs of the held-out splits among them.
    changed = json.loads(run("dvc", "metrics", "diff", "--json").stdout)[EVAL_METRICS]
    cers = {key: value for key, value in changed.items() if key.endswith(".cer")}
    assert cers and all(value["old"] != value["new"] for value in cers.values()), changed
    assert {key.split(".")[0] for key in cers} <= {"val", "test"}

    plots = tmp_path / "plots"
    run("dvc", "plots", "diff", "-o", str(plots))
    page = (plots / "index.html").read_text()
    assert "reports/eval/vanilla/per_speaker_test.tsv" in page  # the per-speaker errors
    for curve in ("train_loss", "val_loss", "val_cer", "val_wer"):  # the learning curves
        assert f"reports/train/vanilla/dvclive/plots/metrics/{curve}.tsv" in page
    assert '"rev": "workspace"' in page and '"rev": "HEAD"' in page


def predictions(project: Project) -> list[dict]:
    with open(project.root / "reports/eval/vanilla/predictions.tsv", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_predict_reads_a_clip_of_the_corpus_as_evaluation_did(baseline):
    project, _ = baseline
    row = next(row for row in predictions(project) if row["split"] == "test")
    video = project.root / "data/corpus" / f"{row['clip']}.mpg"
    result = project_run(project)("lipflow", "predict", str(video), "--model", MODEL)
    printed = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
                   for line in result.stdout.splitlines())
    assert list(printed) == decoders.decoders(snap=True)
    assert all(re.fullmatch(r"[a-z ]*", sentence) for sentence in printed.values()), printed
    vocabulary = decode.vocabulary(read_sentences("builtin:italian").values(), "ita")
    assert set(printed["beam_snap"].split()) <= set(vocabulary)
    # From the original video (its own container and frame rate) to the same sentences as the
    # evaluate stage read from the pipeline's crops of it.
    assert printed == {decoder: row[f"hyp_{decoder}"] for decoder in printed}


def test_predict_on_a_video_without_a_face_exits_with_the_reason(baseline, tmp_path):
    """The real command with a trained model (tests/test_predict.py checks the message in-process)."""
    project, _ = baseline
    video = tmp_path / "pattern.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=360x288:rate=25:duration=2", "-f", "lavfi",
           "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           "-shortest", str(video))
    result = project_run(project, check=False)("lipflow", "predict", str(video), "--model", MODEL)
    # TensorFlow (and its start-up logging) loads only after a mouth is found: one line in all.
    assert result.returncode == 1 and result.stdout == ""
    assert re.fullmatch(r"lipflow predict: no face in any of the \d+ frames \(0-\d+\)\n", result.stderr), result.stderr


def test_dvc_plots_show_the_curves_per_speaker_bars_and_confusion(baseline):
    """dvc.yaml's top-level plots find their data in an evaluated run."""
    project, _ = baseline
    shown = json.loads(project_run(project)("dvc", "plots", "show", "--json").stdout)["data"]
    curves = shown["learning_curves"][0]["content"]["data"]["values"]
    assert {row["field"] for row in curves} == {"train_loss", "val_loss"} and len(curves) == 2 * 2, curves[:3]
    assert len(shown["val_cer"][0]["content"]["data"]["values"]) == 2
    speakers = shown["test_cer_per_speaker"][0]["content"]["data"]["values"]
    assert speakers and all("beam_cer" in row for row in speakers)
    assert shown["reports/eval/vanilla/confusion_test.png"][0]["type"] == "image"


def test_a_registered_version_of_the_model_downloads_as_the_baselines_best_model(baseline, tmp_path):
    """dvc.yaml's artifacts put the best model in DVC's model registry: an annotated version tag
    (``name@vX.Y.Z``, as ``gto register`` makes) on the baseline commit, then ``dvc artifacts get``
    gives that commit's model."""
    project, _ = baseline
    run = project_run(project)
    run("git", "tag", "-a", "lipnet@v0.1.0", "-m", "Registering artifact lipnet version v0.1.0", "HEAD")
    run("dvc", "artifacts", "get", str(project.root), "lipnet", "--rev", "v0.1.0", "-o", str(tmp_path / "model.keras"))
    lock = yaml.safe_load(run("git", "show", "lipnet@v0.1.0:dvc.lock").stdout)
    models_dir = next(out for out in lock["stages"]["train"]["outs"] if out["path"] == "models/vanilla")
    manifest = project.root / ".dvc/cache/files/md5" / models_dir["md5"][:2] / models_dir["md5"][2:]
    recorded = {entry["relpath"]: entry["md5"] for entry in json.loads(manifest.read_text())}
    assert hashlib.md5((tmp_path / "model.keras").read_bytes()).hexdigest() == recorded["model.keras"]
