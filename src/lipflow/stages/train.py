"""Stage 7: LipNet trained with CTC on the train split, best epoch by val CER -> ``models/<train.run>/``."""

from __future__ import annotations

from pathlib import Path

from .. import params as params_mod
from ..threads import limit_threads
from ..train import vanilla
from ..train.setup import with_seed


def main(params_path: Path, options: dict) -> str:
    params = with_seed(params_mod.load(params_path), options["seed"])
    limit_threads(params, "train.threads")
    result = vanilla.train(params, options["run"], options["resume"])
    return f"best epoch {result['best_epoch']}: val CER {result['val_cer']:.4f} WER {result['val_wer']:.4f}"
