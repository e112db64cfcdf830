import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from lipflow import params as params_mod
from lipflow.models import load_model
from lipflow.scoring import decode
from lipflow.train import loop, setup, vanilla

pytestmark = pytest.mark.slow
CHECKPOINT_WAIT_S = 50


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_a_small_lipnet_learns_to_read_the_tiny_clips(tiny_project, tiny, precision):
    """Decoded in training mode: BatchNorm's moving averages need hundreds of steps to catch up."""
    params = tiny.params(augment=False)
    params["model"].update(filters=[8, 16, 16], gru_units=32, dropout=0.0, precision=precision)
    setup.make_deterministic(params["seed"])
    data = setup.load_data(params)
    task = vanilla.CTCTask(setup.make_model(params, data), setup.make_optimizer(params))
    step = loop.make_train_step(task, element_spec=data.val().element_spec)
    losses = [float(step(*batch)["loss"]) for epoch in range(12) for batch in data.train(epoch)]
    assert len(losses) == 24
    assert np.mean(losses[-4:]) < 0.05 * np.mean(losses[:4])
    frames = np.stack([np.load(tiny_project / f"data/mouth/{e.clip}.npz")["frames"] for e in data.train_examples])
    read = decode.greedy(task.model(frames.astype("float32"), training=True).numpy())
    assert read == [e.label for e in data.train_examples]


def final_weights(run: str) -> list[np.ndarray]:
    return load_model(f"models/{run}/model.keras").get_weights()


def without_times(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if key != "seconds"}


@pytest.fixture
def uninterrupted(trained_project):
    return trained_project[1]


def test_the_same_seed_gives_the_same_run(uninterrupted):
    again = vanilla.train(params_mod.load("params.yaml"), run="again")
    assert without_times(again) == without_times(uninterrupted)
    for a, b in zip(final_weights("again"), final_weights("reference"), strict=True):
        np.testing.assert_array_equal(a, b)


def lipflow_train(log, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lipflow", "train", *args], stdout=log, stderr=subprocess.STDOUT)


def test_a_run_killed_mid_epoch_resumes_to_the_same_weights(uninterrupted, tiny, tmp_path):
    """Tolerance: none; every checkpointed tensor and the best model are bitwise identical."""
    epochs = tiny.params()["train"]["epochs"]
    first_checkpoint = "models/killed/checkpoints/checkpoint"  # written once ckpt-1 is complete
    with open(tmp_path / "killed.log", "w") as log:
        process = lipflow_train(log, "--run", "killed")
    deadline = time.monotonic() + CHECKPOINT_WAIT_S
    while not os.path.exists(first_checkpoint) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert os.path.exists(first_checkpoint)
    assert not os.path.exists(f"models/killed/checkpoints/ckpt-{epochs}.index")

    with open(tmp_path / "resumed.log", "w") as log:
        assert lipflow_train(log, "--run", "killed").wait() == 0, (tmp_path / "resumed.log").read_text()
    assert "resuming after epoch" in (tmp_path / "resumed.log").read_text()
    metrics = json.loads(open("reports/train/killed/metrics.json").read())
    assert without_times(metrics) == without_times(uninterrupted)
    assert metrics["epochs"] == epochs
    for a, b in zip(final_weights("killed"), final_weights("reference"), strict=True):
        np.testing.assert_array_equal(a, b)
    reference, resumed = (tf.train.load_checkpoint(f"models/{run}/checkpoints") for run in ("reference", "killed"))
    names = sorted(name for name in reference.get_variable_to_shape_map() if not name.startswith("progress"))
    assert names == sorted(name for name in resumed.get_variable_to_shape_map() if not name.startswith("progress"))
    for name in names:  # models, optimizer moments, random states (progress holds wall-clock times)
        np.testing.assert_array_equal(resumed.get_tensor(name), reference.get_tensor(name), err_msg=name)
    curve = open("reports/train/killed/dvclive/plots/metrics/val_cer.tsv").read().splitlines()
    assert len(curve) == 1 + epochs


def test_the_test_split_never_reaches_training_or_model_selection(uninterrupted, tiny):
    """Test clips whose arrays are noise (and whose labels are wrong) change nothing: the same
    history, best epoch and weights as the run that never saw them."""
    rng = np.random.default_rng(7)
    rows = [(f"s9/{index}-TT", tiny.labels[index % 2], "test") for index in range(4)]
    for clip, _, _ in rows:
        tiny.write_clip(Path("."), clip,
                        rng.integers(0, 256, (tiny.frames, tiny.height, tiny.width, 3), dtype=np.uint8))
    with open("data/split/split.tsv", "a", encoding="utf-8") as table:
        table.writelines(f"{clip}\ts9\t0\t{label[::-1]}\t{split}\t\n" for clip, label, split in rows)
    poisoned = vanilla.train(params_mod.load("params.yaml"), run="poisoned")
    assert without_times(poisoned) == without_times(uninterrupted)
    for a, b in zip(final_weights("poisoned"), final_weights("reference"), strict=True):
        np.testing.assert_array_equal(a, b)
