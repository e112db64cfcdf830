"""The loop keeps the best epoch, not the last, and stops after ``patience`` epochs without a better one.

The task is the real vanilla one on the tiny corpus; only its selection score is scripted per
epoch, so which epoch must win is known in advance (issue 23: "the best epoch taken as the last
one, and early stopping never checked" passed the suite).
"""

from __future__ import annotations

import numpy as np
import pytest

from lipflow.models import load_model
from lipflow.train import setup, vanilla
from lipflow.train.loop import Trainer

pytestmark = pytest.mark.slow
SCRIPT = {1: 0.9, 2: 0.4, 3: 0.6, 4: 0.5, 5: 0.2, 6: 0.1}
"""Val CER by epoch: epoch 2 is best, then two epochs without a better one."""


class ScriptedSelection(vanilla.CTCTask):
    def __init__(self, *args):
        super().__init__(*args)
        self.saved: dict[int, list[np.ndarray]] = {}

    def selection(self, row: dict) -> tuple[float, float]:
        return SCRIPT[row["epoch"]], row["val_loss"]

    def best_models(self, row: dict):
        self.saved[row["epoch"]] = [w.copy() for w in self.model.get_weights()]
        return super().best_models(row)


def test_the_best_epoch_is_kept_and_patience_stops_the_run(tiny_project, tiny):
    params = tiny.params(epochs=6, patience=2)
    setup.make_deterministic(params["seed"])
    data = setup.load_data(params)
    task = ScriptedSelection(setup.make_model(params, data), setup.make_optimizer(params))
    result = Trainer(task, data, setup.loop_config(params, data), setup.run_paths("scripted")).fit(resume=False)
    assert result["best_epoch"] == 2 and result["epochs"] == 4 and result["stopped_early"]
    assert sorted(task.saved) == [1, 2]
    published = load_model("models/scripted/model.keras").get_weights()
    for kept, best in zip(published, task.saved[2], strict=True):
        np.testing.assert_array_equal(kept, best)
    assert any(not np.array_equal(kept, last)
               for kept, last in zip(published, task.model.get_weights(), strict=True)), \
        "the published model must be epoch 2's, not the last epoch's"
