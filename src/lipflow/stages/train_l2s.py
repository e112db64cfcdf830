"""Stage 9c: the lip-to-speech generator, video + reference mel -> mel, best epoch by val mel L1 ->
``models/<l2s.run>/``."""

from __future__ import annotations

from pathlib import Path

from .. import params as params_mod
from ..l2s import train
from ..threads import limit_threads


def main(params_path: Path, options: dict) -> str:
    params = params_mod.load(params_path)
    limit_threads(params, "train.threads")
    if options["seed"] is not None:
        params = {**params, "l2s": {**params["l2s"], "train": {**params["l2s"]["train"], "seed": options["seed"]}}}
    result = train.train_generator(params, options["run"], options["resume"])
    return (f"best epoch {result['best_epoch']}: val mel L1 {result['val_mel_l1']:.4f}, text-head CER "
            f"{result['val_cer']:.4f}, recogniser CTC on the generated mel {result['val_asr_ctc']:.2f}")
