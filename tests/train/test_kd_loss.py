"""The distillation term against its formula, computed here with numpy (issue 23: a KL that lost its
temperature but kept the T^2 scale passed every other test)."""

from __future__ import annotations

import numpy as np
import pytest

from lipflow.train import kd


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def reference_kl(teacher: np.ndarray, student: np.ndarray, temperature: float) -> np.ndarray:
    p, q = softmax(teacher / temperature), softmax(student / temperature)
    return (p * (np.log(p) - np.log(q))).sum(axis=(1, 2))


@pytest.mark.parametrize("temperature", [1.0, 3.0, 0.5])
def test_the_kl_softens_both_sides_by_the_temperature(temperature):
    rng = np.random.default_rng(0)
    teacher, student = rng.normal(0, 3, (2, 5, 28)).astype("float32"), rng.normal(0, 3, (2, 5, 28)).astype("float32")
    got = np.asarray(kd.distillation_kl(teacher, student, temperature))
    np.testing.assert_allclose(got, reference_kl(teacher, student, temperature), rtol=1e-4, atol=1e-5)
    if temperature != 1.0:
        assert not np.allclose(got, reference_kl(teacher, student, 1.0), rtol=1e-2)


def test_the_kl_is_zero_for_a_peer_that_agrees_and_positive_otherwise():
    rng = np.random.default_rng(1)
    teacher = rng.normal(0, 2, (3, 4, 28)).astype("float32")
    np.testing.assert_allclose(np.asarray(kd.distillation_kl(teacher, teacher, 3.0)), 0.0, atol=1e-5)
    other = rng.normal(0, 2, teacher.shape).astype("float32")
    assert (np.asarray(kd.distillation_kl(teacher, other, 3.0)) > 0).all()
