"""The experiment report's tables, from its JSON alone: what ``lipflow experiment`` writes and the README shows."""

from __future__ import annotations

from .scoring import decoders
from .sweep import METHODS, PROJECT_SPLIT

REPORT_NAME = "kd_vs_vanilla"
MEASURES = ("cer", "wer")
UNITS = {"cer": "chars", "wer": "words"}
PROTOCOL_NAMES = {"random": "seen sentences (random)", "speakers": "unseen speakers", "sentences": "unseen sentences",
                  "speakers_sentences": "unseen speakers and sentences"}


def protocol_table(protocols: dict, params: dict) -> list[str]:
    """Protocols x {floor, vanilla, KD} on the test split (beam decoder): CER and WER with 95% intervals."""
    lines = ["Test split, beam decoder, CER and WER in % with 95% intervals. Floor: the better trivial reader on the "
             "same split. Vanilla and KD (best student): mean over the training seeds done (of "
             f"{', '.join(map(str, params['experiment']['seeds']))}), interval resampling seeds, then clips. Last "
             "column: KD - vanilla, paired over the same clips.", "",
             "| protocol | seeds | floor CER | vanilla CER | KD CER | floor WER | vanilla WER | KD WER | "
             "KD - vanilla CER |",
             "|---|---|---|---|---|---|---|---|---|"]
    for protocol, entry in protocols.items():
        test = entry["estimates"].get("test")
        if test is None:
            continue
        difference = comparison(entry, "test", "cer")
        cells = [_with_interval(test[who], measure) for measure in MEASURES for who in ("floor", "vanilla", "kd")]
        lines.append(f"| {protocol_label(protocol, params)} | {len(entry['seeds'])} | " + " | ".join(cells) +
                     f" | {100 * difference['difference']:+.1f} [{100 * difference['low']:+.1f}, "
                     f"{100 * difference['high']:+.1f}]: {difference['verdict']} |")
    return lines


def comparison(entry: dict, split: str, measure: str) -> dict:
    return next(row for row in entry["comparisons"]
                if row["split"] == split and row["decoder"] == decoders.BEAM and row["measure"] == measure)


def training_runs(training: dict) -> list[dict]:
    """One protocol's training summaries (``method -> [summary]``) in the sweep's method order, whichever
    order the JSON holds them in."""
    return [run for method in METHODS for run in training.get(method, [])]


def capped_runs(training: dict) -> list[str]:
    """Of one protocol's runs, those the epoch cap stopped rather than early stopping: their best epoch
    lies within the last ``train.patience`` epochs, so they may still have been improving (compared
    before convergence)."""
    return [run["run"] for run in training_runs(training) if not run["stopped_early"]]


def protocol_label(protocol: str, params: dict) -> str:
    mode = params["split"]["mode"] if protocol == PROJECT_SPLIT else protocol
    return PROTOCOL_NAMES.get(mode, mode)


def _with_interval(entry: dict, measure: str) -> str:
    return f"{100 * entry[measure]:.1f} [{100 * entry[f'{measure}_low']:.1f}, {100 * entry[f'{measure}_high']:.1f}]"
