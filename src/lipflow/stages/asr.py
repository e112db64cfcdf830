"""Stage 9b: the speech recogniser that scores and teaches lip-to-speech -> ``models/asr/``.

Trained with CTC on the real audio mels of the train split (nothing can be downloaded), or
copied from ``l2s.asr.model``; either way its CER/WER on the real audio of the held-out splits
is measured, so a generated-speech WER can be read against what the recogniser does on real speech.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import params as params_mod
from ..files import atomic_path
from ..l2s import evaluate, train
from ..l2s.models import check_recogniser
from ..threads import limit_threads


def main(params_path: Path, options: dict) -> str:
    params = params_mod.load(params_path)
    limit_threads(params, "train.threads")
    dest = train.RECOGNISER_MODEL
    given = params["l2s"]["asr"]["model"]
    if given:
        check_recogniser(Path(given), params["l2s"]["mel"]["n_mels"])
        with atomic_path(dest) as tmp:
            shutil.copyfile(given, tmp)
        head = f"recogniser: {given} (l2s.asr.model), copied to {dest}"
    else:
        result = train.train_recogniser(params, options["resume"])
        head = f"recogniser trained: best epoch {result['best_epoch']}, val CER {result['val_cer']:.4f}"
    report = evaluate.recogniser_report(params, dest)
    lines = [f"{split} real audio: CER {n['cer']:.4f} [{n['cer_low']:.4f}, {n['cer_high']:.4f}] "
             f"WER {n['wer']:.4f} [{n['wer_low']:.4f}, {n['wer_high']:.4f}] ({n['clips']} clips)"
             for split, n in report.items()]
    return "\n".join([head, *lines])
