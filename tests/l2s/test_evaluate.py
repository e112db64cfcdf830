"""Scoring speech: references hold the spoken words only, and every figure has its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lipflow import alignfile
from lipflow.l2s import evaluate
from lipflow.scoring import metrics
from tests.conftest import REPO

ALIGN = REPO / "src" / "lipflow" / "reference" / "bbaf2n.align"


def test_wer_ignores_sil_and_sp():
    """The label the split stage makes from a GRID .align (its spoken words) is what a recogniser is scored
    against; a transcript of the words alone is then perfect, as it was not in the original."""
    segments = alignfile.read_align(ALIGN)
    assert {"sil"} <= {segment.word for segment in segments}
    label = " ".join(alignfile.spoken_words(segments))
    with_pause = alignfile.parse_align("0 1000 sil\n1000 2000 bin\n2000 2500 sp\n2500 3000 blue\n3000 4000 sil\n")
    assert " ".join(alignfile.spoken_words(with_pause)) == "bin blue"
    scores = metrics.score_all([label], ["bin blue at f two now"], "eng")
    assert evaluate.rates(scores, 200, 0)["wer"] == 0.0
    padded = metrics.score_all(["sil " + label + " sil"], ["bin blue at f two now"], "eng")
    assert evaluate.rates(padded, 200, 0)["wer"] > 0, "counting sil would have inflated the WER"


def test_the_summary_puts_the_model_between_floor_and_ceiling_with_intervals():
    rng = np.random.default_rng(0)
    clips = 12
    table = pd.DataFrame({"reference": ["bin blue"] * clips})
    for system, centre in ((evaluate.GENERATED, 0.6), (evaluate.CEILING, 0.9), (evaluate.FLOOR, 0.4)):
        for measure in ("stoi", "estoi", "mel_l1"):
            table[f"{measure}_{system}"] = centre + rng.normal(0, 0.02, clips)
    transcripts = {system: ["bin blue"] * clips for system in (*evaluate.SYSTEMS, evaluate.REAL)}
    transcripts[evaluate.FLOOR] = ["bin"] * clips
    summary = evaluate.system_summary(table, transcripts, "eng", 300, 1)
    generated = summary[evaluate.GENERATED]
    assert generated["stoi_low"] < generated["stoi"] < generated["stoi_high"]
    assert summary[evaluate.FLOOR]["wer"] == 0.5 and generated["wer"] == 0.0
    assert summary["stoi_share_of_floor_to_ceiling"] == pytest.approx(
        (generated["stoi"] - summary[evaluate.FLOOR]["stoi"])
        / (summary[evaluate.CEILING]["stoi"] - summary[evaluate.FLOOR]["stoi"]))
    assert 0.3 < summary["stoi_share_of_floor_to_ceiling"] < 0.7


def test_a_clip_with_too_little_speech_for_stoi_is_left_out_of_the_means_not_scored_as_zero():
    rate = 16000
    word = np.sin(2 * np.pi * 200 * np.arange(int(0.3 * rate)) / rate).astype(np.float32)
    clip = np.concatenate([np.zeros(rate, np.float32), word, np.zeros(2 * rate, np.float32)])
    assert all(np.isnan(value) for value in evaluate.stoi_pair(clip, clip, rate))
    numbers = evaluate.mean_with_interval("stoi", [0.5, float("nan"), 0.7], 200, 0)
    assert numbers["stoi"] == pytest.approx(0.6) and numbers["stoi_clips"] == 2


def test_the_recogniser_snaps_to_the_sentence_tables_words_not_only_to_the_training_labels(project):
    (project.root / "sentences.tsv").write_text("id\ttext\n1\tBuon giorno.\n2\tArrivederci, a presto!\n")
    project.set_params(**{"dataset.sentences": "sentences.tsv"})
    assert evaluate.lexicon(project.params) == ("a", "arrivederci", "buon", "giorno", "presto")
