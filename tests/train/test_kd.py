import json
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf

from lipflow import params as params_mod
from lipflow.models import load_model
from lipflow.train import kd, loop, setup

pytestmark = pytest.mark.slow
KL_STEPS = 16


def make(tiny, **kd_params):
    params = tiny.params(augment=False)
    params["model"].update(dropout=0.0)
    params["kd"].update(kd_params)
    setup.make_deterministic(params["seed"])
    data = setup.load_data(params)
    return kd.make_task(params, data), data


def gradients(task, batch, loss_names, watched):
    with tf.GradientTape() as tape:
        losses = task.losses(*batch, training=True)
        loss = sum(losses[name] for name in loss_names)
    return tape.gradient(loss, watched)


def test_distillation_changes_a_peers_gradient_and_only_through_its_own_kl(tiny_project, tiny):
    """With lambda = 0 a peer learns from its own CTC and the ensemble's (through z_e); lambda > 0 adds
    exactly lambda T^2 times the gradient of its own KL (the teacher is detached, so no other KL reaches it)."""
    task, data = make(tiny, **{"lambda": 1.0, "temperature": 3.0})
    batch = next(iter(data.train(0)))
    peer0 = task.models["peer0"].trainable_variables
    own = gradients(task, batch, ["ctc_peer0", "ctc_ensemble"], peer0)
    distilled = gradients(task, batch, ["loss"], peer0)
    own_kl = gradients(task, batch, ["kl_peer0"], peer0)
    other_kl = gradients(task, batch, ["kl_peer1"], peer0)
    task.kd_lambda = 0.0
    undistilled = gradients(task, batch, ["loss"], peer0)

    for a, b in zip(undistilled, own, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert not all(np.allclose(a, b, rtol=1e-3, atol=1e-6) for a, b in zip(distilled, own, strict=True))
    scale = task.temperature ** 2
    for total, base, kl in zip(distilled, undistilled, own_kl, strict=True):
        np.testing.assert_allclose(total - base, scale * kl, rtol=1e-3, atol=1e-5)
    assert all(g is None for g in other_kl)
    attention = gradients(task, batch, ["ctc_ensemble"], task.attention.trainable_variables)
    assert all(g is not None and np.any(g.numpy() != 0) for g in attention)


def test_peers_start_from_different_weights(tiny_project, tiny):
    task, _ = make(tiny)
    first, second = (task.models[name].trainable_variables for name in ("peer0", "peer1"))
    kernels = [(a, b) for a, b in zip(first, second, strict=True) if a.path.endswith("kernel")]
    assert len(first) == len(second) and kernels
    for a, b in kernels:
        assert a.shape == b.shape and not np.allclose(a.numpy(), b.numpy()), a.path


def test_peers_may_be_different_variants(tiny_project, tiny):
    task, data = make(tiny, peers=["small", "lipnet128"])
    sizes = [peer.count_params() for peer in task.models.values()]
    assert sizes[0] != sizes[1]
    losses = task.losses(*next(iter(data.train(0))), training=True)
    assert all(np.isfinite(float(value)) for value in losses.values())


def test_training_moves_the_attention_and_pulls_the_peers_together(tiny_project, tiny):
    """The peers drift apart while CTC shapes them from a near-uniform start, then the KD term
    (and the shared labels) pull them back together: it ends well below its peak."""
    task, data = make(tiny)
    attention_before = [v.numpy() for v in task.attention.trainable_variables]
    step = loop.make_train_step(task, element_spec=data.val().element_spec)
    kl = [float(step(*batch)["kd"]) for epoch in range(KL_STEPS // 2) for batch in data.train(epoch)]
    assert len(kl) == KL_STEPS
    for before, after in zip(attention_before, task.attention.trainable_variables, strict=True):
        assert not np.allclose(before, after.numpy())
    assert np.mean(kl[-4:]) < 0.5 * max(kl)


def without_times(metrics: dict) -> dict:
    return {key: value for key, value in metrics.items() if key != "seconds"}


@pytest.fixture(scope="module")
def kd_project(tmp_path_factory):
    """A tiny project and one uninterrupted 3-epoch distillation run, ``reference``."""
    from tests.train.conftest import write_project

    root = write_project(tmp_path_factory.mktemp("kd"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        params = params_mod.load("params.yaml")
        params["train"].update(epochs=3)
        params["kd"].update(run="reference")
        yield root, params, kd.train(params)


def test_a_run_resumed_after_an_epoch_ends_like_an_uninterrupted_one(kd_project):
    root, params, reference = kd_project
    params = {**params, "kd": {**params["kd"], "run": "resumed"}}
    kd.train({**params, "train": {**params["train"], "epochs": 1}})
    resumed = kd.train(params)
    assert without_times(resumed) == without_times(reference)
    assert resumed["epochs"] == 3
    for name in ("model", "peer0", "peer1"):
        for a, b in zip(load_model(f"models/resumed/{name}.keras").get_weights(),
                        load_model(f"models/reference/{name}.keras").get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    metrics = json.loads((root / "reports/train/resumed/metrics.json").read_text())
    assert metrics["student"] in ("peer0", "peer1")
    for name in ("val_cer", "val_cer_peer0", "val_cer_peer1", "val_wer_peer1", "final"):
        assert name in metrics
    assert {"train_kd", "train_weight_peer0", "train_ctc_ensemble"} <= set(metrics["final"])


def test_the_best_epoch_is_the_best_students_not_the_ensembles():
    """The ensemble's weights come from the labels, so its val CER may not pick the epoch."""
    cohort = SimpleNamespace(models={"peer0": None, "peer1": None})
    better_ensemble = {"val_cer": 0.1, "val_loss": 1.0, "val_cer_peer0": 0.5, "val_loss_peer0": 2.0,
                       "val_cer_peer1": 0.6, "val_loss_peer1": 2.0}
    better_student = {"val_cer": 0.4, "val_loss": 1.5, "val_cer_peer0": 0.45, "val_loss_peer0": 2.1,
                      "val_cer_peer1": 0.3, "val_loss_peer1": 1.9}
    assert kd.KDTask.selection(cohort, better_ensemble) == (0.5, 2.0)
    assert kd.KDTask.selection(cohort, better_student) == (0.3, 1.9)
    assert loop._improved(better_student, better_ensemble, cohort_task(cohort))
    assert not loop._improved(better_ensemble, better_student, cohort_task(cohort))


def cohort_task(cohort):
    return SimpleNamespace(selection=lambda row: kd.KDTask.selection(cohort, row))
