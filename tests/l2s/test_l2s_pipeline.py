"""The lip-to-speech branch end to end on the embedded GRID-like corpus, in both engines, then one video spoken."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
import soundfile

from lipflow.l2s import evaluate

pytestmark = pytest.mark.slow
CORPUS = {
    "dataset.kind": "grid_synthetic", "dataset.root": "data/corpus", "dataset.sentences": "builtin:grid",
    "dataset.language": "eng", "synth.speakers": 3, "synth.sentences_per_speaker": 3,
    "split.val_fraction": 0.25, "split.test_fraction": 0.25,
}
TINY_L2S = {
    "l2s.mel.griffin_lim_iterations": 4, "l2s.asr.conv_channels": 8, "l2s.asr.gru_units": 8, "l2s.asr.epochs": 2,
    "l2s.model.stem_filters": 4, "l2s.model.residual_filters": [8], "l2s.model.width": 16,
    "l2s.model.encoder_blocks": 1, "l2s.model.heads": 2, "l2s.model.speaker_width": 8,
    "l2s.model.decoder_channels": 16, "l2s.train.epochs": 2, "l2s.train.batch_size": 2, "l2s.evaluate.wavs": 1,
}

L2S_OUTPUTS = ("data/mel", "reports/manifests/mel.tsv", "models/asr", "models/l2s", "reports/train/asr",
               "reports/eval/asr", "reports/train/l2s", "reports/eval/l2s")


def speech_metrics(root) -> dict:
    return json.loads((root / "reports/eval/l2s/metrics.json").read_text())[evaluate.METRICS_KEY]


def flat(tree: dict, prefix: str = "") -> dict:
    return {key: value for name, node in tree.items()
            for key, value in (flat(node, f"{prefix}{name}.").items() if isinstance(node, dict)
                               else [(f"{prefix}{name}", node)])}


def test_lip_to_speech_runs_in_both_engines_and_speaks_a_video(project):
    project.set_params(**CORPUS, **TINY_L2S)
    root = project.root
    data_manifests = [f"reports/manifests/{stage}.tsv" for stage in ("fps", "align", "landmarks", "mouth")]
    project.run("snakemake", "--cores", "2", "l2s", *data_manifests)

    with open(root / "reports/manifests/mel.tsv", newline="") as handle:
        mels = list(csv.DictReader(handle, delimiter="\t"))
    assert len(mels) == 9 and {row["status"] for row in mels} == {"ok"}
    assert {row["mel_frames"] for row in mels} == {"300"}, "75 crops x 4 mel frames"
    recogniser = json.loads((root / "reports/eval/asr/metrics.json").read_text())[evaluate.RECOGNISER_KEY]
    assert {"val", "test"} <= set(recogniser)
    scored = speech_metrics(root)
    for split in ("val", "test"):
        for system in evaluate.SYSTEMS:
            numbers = scored[split][system]
            assert -1 <= numbers["stoi_low"] <= numbers["stoi"] <= numbers["stoi_high"] <= 1
            assert 0 <= numbers["wer"] and numbers["mel_l1"] >= 0
        assert scored[split][evaluate.CEILING]["stoi"] > scored[split][evaluate.FLOOR]["stoi"]
    report = root / "reports/eval/l2s/report"
    assert "vocoded_real" in (report / "summary.md").read_text()
    wavs = sorted(report.glob("*/*.wav"))
    assert len(wavs) == 2 * 3 and soundfile.info(wavs[0]).samplerate == 16000

    video = next((root / "data/corpus").rglob("*.mpg"))
    spoken = project.run("lipflow", "speak", str(video), "--out", "spoken.wav")
    assert "voice from training clip" in spoken.stdout
    assert soundfile.info(root / "spoken.wav").duration == pytest.approx(3.0, abs=0.01)

    # DVC adopts the data stages' outputs (as a user who switches engines would) and makes the
    # lip-to-speech ones again; the data stages themselves agree across engines in tests/test_engines.py.
    for produced in L2S_OUTPUTS:
        (root / produced).unlink() if (root / produced).is_file() else shutil.rmtree(root / produced)
    (root / ".gitignore").write_text("/data\n/models\n")  # DVC's cache holds these
    project.run("git", "init", "-q")
    project.run("dvc", "init", "-q")
    project.run("git", "add", "-A")
    project.run("git", "-c", "user.name=lipflow test", "-c", "user.email=test@lipflow", "commit", "-qm", "project")
    project.run("dvc", "commit", "--force", "--with-deps", "split")
    reran = project.run("dvc", "repro", "evaluate_l2s").stdout
    assert "Running stage 'mel'" in reran and "Running stage 'synth'" not in reran, reran
    differing = {key: (value, flat(scored).get(key)) for key, value in flat(speech_metrics(root)).items()
                 if value != flat(scored).get(key)}
    assert not differing, f"same params and seed, same figures in the other engine: {differing}"
    shown = project.run("dvc", "metrics", "show", "--json").stdout
    assert "lip_to_speech" in shown and "speech_recogniser" in shown
