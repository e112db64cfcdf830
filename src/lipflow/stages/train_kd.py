"""Stage 7b: peers trained together with online distillation from their attention-weighted
ensemble -> ``models/<kd.run>/`` (the best student is ``model.keras``)."""

from __future__ import annotations

from pathlib import Path

from .. import params as params_mod
from ..threads import limit_threads
from ..train import kd
from ..train.setup import with_seed


def main(params_path: Path, options: dict) -> str:
    params = with_seed(params_mod.load(params_path), options["seed"])
    limit_threads(params, "train.threads")
    result = kd.train(params, options["run"], options["resume"])
    student = result["student"]
    return (f"best epoch {result['best_epoch']} (by the best student's val CER): {student} val CER "
            f"{result['val_cer_' + student]:.4f} WER {result['val_wer_' + student]:.4f}; "
            f"ensemble (weights from the labels) val CER {result['val_cer']:.4f}")
