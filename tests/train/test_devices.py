"""Training on several devices (``train.devices``) computes what one device computes.

Two logical CPU devices stand in for two GPUs: the same MirroredStrategy, all-reduce and
synchronised BatchNorm. With dropout off, the runs differ only in the order of float sums
(gradients summed over replicas, BatchNorm statistics as E[x^2] - E[x]^2 from both halves):
measured 1e-6 relative on the training losses and 4e-5 on the validation losses (moving
variances without Bessel's correction) over 4 tiny epochs (2 in the test). Asserted: rtol 1e-4 and 1e-3.
With dropout they agree only statistically: each replica draws the same masks for its part
of the batch (Keras's seed generators are mirrored), not one device's masks for the whole.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
import yaml

from lipflow import params as params_mod
from lipflow.params import ParamsError
from lipflow.train import kd, setup, vanilla

TRAIN_RTOL, VAL_RTOL = 1e-4, 1e-3


def history(run: str) -> dict[str, np.ndarray]:
    with open(f"reports/train/{run}/history.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {name: np.array([float(row[name]) for row in rows]) for name in rows[0] if name != "seconds"}


def assert_same_curves(one: dict, two: dict) -> None:
    assert set(one) == set(two)
    for name in one:
        rtol = TRAIN_RTOL if name.startswith("train_") else VAL_RTOL
        np.testing.assert_allclose(two[name], one[name], rtol=rtol, atol=1e-6, err_msg=name)


@pytest.mark.slow
def test_two_devices_give_one_devices_loss_curves_vanilla_and_distilled(tiny_project):
    params = params_mod.load("params.yaml")
    params["model"]["dropout"] = 0.0
    params["train"].update(epochs=2, run="one")
    params["kd"]["run"] = "one-kd"
    vanilla.train(params)
    kd.train(params)
    on_two = {**params, "train": {**params["train"], "devices": 2, "run": "two"},
              "kd": {**params["kd"], "run": "two-kd"}}
    (tiny_project / "params.yaml").write_text(yaml.safe_dump(on_two, sort_keys=False))
    for stage in ("train", "train-kd"):
        trained = subprocess.run([sys.executable, "-m", "lipflow", stage], capture_output=True, text=True)
        assert trained.returncode == 0, trained.stderr[-3000:]
    assert_same_curves(history("one"), history("two"))
    assert_same_curves(history("one-kd"), history("two-kd"))
    assert len(history("two-kd")["train_kd"]) == 2


def test_the_last_short_batch_must_reach_every_device():
    setup.check_last_batch(10, 4, 2)  # 4, 4, 2
    setup.check_last_batch(9, 4, 1)
    with pytest.raises(ParamsError, match="has 1 of the 9 training clips, fewer than train.devices .2.; "
                                          "a batch size that fits: 3"):
        setup.check_last_batch(9, 4, 2)


def test_devices_are_refused_up_front_when_they_cannot_work(tiny):
    with pytest.raises(ParamsError, match="needs at least one clip per device"):
        setup.distribution(tiny.params(batch_size=1, devices=2))
    tf.constant(0)  # TensorFlow has started in this process
    if not tf.config.list_physical_devices("GPU"):
        with pytest.raises(ParamsError, match="train in a new process"):
            setup.distribution(tiny.params(devices=3))
