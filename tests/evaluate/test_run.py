"""The evaluate CLI end to end on a tiny readable model and tiny mouth arrays.

The model is an exact reader: each 4 x 7 frame lights the pixel of one class and a Dense
layer copies pixels to logits. So the sentence a clip "says" is chosen by the test, and
every number in the reports can be checked against edit distances computed here.
"""

import json
import shutil
from pathlib import Path

import editdistance
import keras
import numpy as np
import pandas as pd
import pytest

from lipflow import cli, layout, text
from lipflow.evaluate import floors, run
from tests.conftest import write_crops

FRAMES, HEIGHT, WIDTH = 120, 4, 7  # HEIGHT * WIDTH == NUM_CLASSES pixels
REPO = Path(__file__).resolve().parents[2]

# clip, speaker, sentence_id, label (as the split table stores it), split, what the clip shows
CLIPS = [
    ("s1/18-AB", "s1", "18", "Prego.", "train", "prego"),
    ("s5/1-IJ", "s5", "1", "È in offerta, costa 10 euro.", "train", "e in offerta costa dieci euro"),
    ("s5/13-IJ", "s5", "13", "A che ora arriva il pullman?", "train", "a che ora arriva il pullman"),
    ("s2/18-CD", "s2", "18", "Prego.", "val", "prego"),
    ("s2/16-CD", "s2", "16", "Purtroppo non lo so, però potresti chiedere all'autista.", "val",
     "purtroppo non lo so pero potresti chiedere all autista"),
    ("s3/1-EF", "s3", "1", "È in offerta, costa 10 euro.", "test", "e in oferta costa dieci euro"),
    ("s3/13-EF", "s3", "13", "A che ora arriva il pullman?", "test", "a che ora ariva il pulman"),
    ("s4/18-GH", "s4", "18", "Prego.", "excluded", None),
]


def reader_model(path: Path) -> None:
    frames = keras.Input((FRAMES, HEIGHT, WIDTH, 1))
    pixels = keras.layers.Reshape((FRAMES, HEIGHT * WIDTH))(frames)
    logits = keras.layers.Dense(text.NUM_CLASSES, use_bias=False, name="logits")(pixels)
    model = keras.Model(frames, logits)
    model.get_layer("logits").set_weights([np.eye(text.NUM_CLASSES, dtype="float32") * 10 / 255])
    path.parent.mkdir(parents=True)
    model.save(path)


def write_mouth(key: str, classes: list[int]) -> None:
    """The crop file the mouth stage writes: frames the reader model reads as ``classes``, and
    landmarks whose lips open on vowels (what the nearest-clip floor looks at)."""
    opening = np.array([0.2 if c and text.ALPHABET[c - 1] in "aeiou" else 0.04 for c in classes], np.float32)
    write_crops(layout.artefact("mouth", key), showing(classes), opening)


def showing(classes: list[int]) -> np.ndarray:
    """uint8 frames (T x 4 x 7 x 1) that the reader model reads as these classes."""
    frames = len(classes)
    array = np.zeros((frames, HEIGHT * WIDTH), dtype="uint8")
    array[np.arange(frames), classes] = 255
    return array.reshape(frames, HEIGHT, WIDTH, 1)


@pytest.fixture
def workdir(tmp_path, monkeypatch, spell):
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    monkeypatch.chdir(tmp_path)
    reader_model(tmp_path / "models" / "tiny" / "model.keras")
    for key, _, _, _, _, shown in CLIPS:
        if shown is not None:
            write_mouth(key, spell(shown, FRAMES))
    write_split(CLIPS)
    return tmp_path


def write_split(clips) -> None:
    table = pd.DataFrame([c[:5] for c in clips], columns=["clip", "speaker", "sentence_id", "label", "split"])
    layout.SPLIT_TABLE.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(layout.SPLIT_TABLE, sep="\t", index=False)


def evaluate(name: str = "tiny") -> int:
    return cli.main(["evaluate", "--model", "models/tiny/model.keras", "--name", name])


def expected_rate(split: str, unit) -> float:
    pairs = [(text.normalise(label), shown) for _, _, _, label, s, shown in CLIPS if s == split]
    return sum(editdistance.eval(unit(r), unit(h)) for r, h in pairs) / sum(len(unit(r)) for r, _ in pairs)


@pytest.mark.slow
def test_evaluate_end_to_end(workdir, capsys):
    assert evaluate() == 0
    assert "test beam: CER" in capsys.readouterr().out
    out = layout.eval_reports("tiny")
    metrics = json.loads((out / "metrics.json").read_text())

    assert set(metrics) == {"val", "test"}
    assert set(metrics["test"]) == {"clips", "greedy", "beam", "beam_snap", floors.MOST_FREQUENT, floors.NEAREST_CLIP}
    assert metrics["val"]["beam"]["cer"] == metrics["val"]["beam"]["wer"] == 0
    for decoder in ("greedy", "beam"):
        assert metrics["test"][decoder]["cer"] == pytest.approx(expected_rate("test", list))
        assert metrics["test"][decoder]["wer"] == pytest.approx(expected_rate("test", str.split))
    assert metrics["test"]["beam"]["char_deletions"] == 3  # oferta, ariva, pulman
    assert metrics["test"]["beam_snap"]["cer"] == 0  # the snap restores all three words
    for reader in metrics["test"].values():
        if isinstance(reader, dict):
            assert reader["cer_low"] <= reader["cer"] <= reader["cer_high"]
            assert reader["wer_low"] <= reader["wer"] <= reader["wer_high"]
            assert 0 <= reader["ver"] <= reader["cer"]
    most_frequent = text.normalise("A che ora arriva il pullman?")  # ties between training sentences: the first
    test_labels = [text.normalise(c[3]) for c in CLIPS if c[4] == "test"]
    expected = sum(editdistance.eval(label, most_frequent) for label in test_labels) / sum(map(len, test_labels))
    assert metrics["test"][floors.MOST_FREQUENT]["cer"] == pytest.approx(expected)
    environment = json.loads((out / "environment.json").read_text())
    assert {"python", "tensorflow", "git"} <= set(environment)

    predictions = pd.read_csv(out / "predictions.tsv", sep="\t", keep_default_na=False)
    assert list(predictions["clip"]) == ["s2/18-CD", "s2/16-CD", "s3/1-EF", "s3/13-EF"]
    assert set(predictions[f"hyp_{floors.MOST_FREQUENT}"]) == {most_frequent}
    assert predictions.loc[2, f"hyp_{floors.NEAREST_CLIP}"] == "e in offerta costa dieci euro"  # s5/1-IJ's label
    assert list(predictions["hyp_beam"]) == [shown for *_, s, shown in CLIPS if s in ("val", "test")]
    assert predictions.loc[2, "reference"] == "e in offerta costa dieci euro"
    assert predictions.loc[2, "hyp_beam_snap"] == "e in offerta costa dieci euro"

    speakers = pd.read_csv(out / "per_speaker_test.tsv", sep="\t")
    assert list(speakers["speaker"]) == ["s3"] and speakers.loc[0, "clips"] == 2
    assert speakers.loc[0, "beam_cer"] == pytest.approx(metrics["test"]["beam"]["cer"])
    sentences = pd.read_csv(out / "per_sentence_val.tsv", sep="\t", dtype={"sentence_id": str})
    assert list(sentences["sentence_id"]) == ["16", "18"]

    confusion = pd.read_csv(out / "confusion_test.tsv", sep="\t", index_col=0)
    beam = metrics["test"]["beam"]
    assert confusion.loc["f", "<none>"] == 1 and confusion.loc["r", "<none>"] == 1
    assert confusion.to_numpy().sum() == beam["reference_chars"] + beam["char_insertions"]
    assert (out / "confusion_test.png").read_bytes().startswith(b"\x89PNG")
    visemes = pd.read_csv(out / "confusion_test_visemes.tsv", sep="\t", index_col=0)
    assert visemes.to_numpy().sum() == confusion.to_numpy().sum()  # the same aligned pairs, by class
    assert (out / "confusion_test_visemes.png").read_bytes().startswith(b"\x89PNG")

    summary = (out / "summary.md").read_text()
    for expected in ("models/tiny/model.keras", "Worst clips: test", "e in oferta costa dieci euro",
                     "tensorflow", "git:", "beam_width"):
        assert expected in summary


@pytest.mark.slow
def test_the_snap_vocabulary_is_the_training_labels_only(workdir):
    """Words of a held-out sentence never reach the snapped decoder: without s5/13-IJ in training,
    'ariva' and 'pulman' (read) cannot be snapped to 'arriva' and 'pullman' (said)."""
    write_split([(*c[:4], "excluded" if c[0] == "s5/13-IJ" else c[4], c[5]) for c in CLIPS])
    assert evaluate() == 0
    predictions = pd.read_csv(layout.eval_reports("tiny") / "predictions.tsv", sep="\t", keep_default_na=False)
    snapped = predictions.set_index("clip").loc["s3/13-EF", "hyp_beam_snap"].split()
    assert "arriva" not in snapped and "pullman" not in snapped
    assert predictions.set_index("clip").loc["s3/1-EF", "hyp_beam_snap"] == "e in offerta costa dieci euro"


@pytest.mark.slow
def test_evaluate_without_test_clips_scores_val_and_says_so(workdir):
    assert evaluate() == 0
    write_split([(*c[:4], "train" if c[4] == "test" else c[4], c[5]) for c in CLIPS])
    assert evaluate() == 0
    metrics = json.loads((layout.eval_reports("tiny") / "metrics.json").read_text())
    assert set(metrics) == {"val"}
    assert not (layout.eval_reports("tiny") / "per_speaker_test.tsv").exists()  # nothing left from the first run
    assert "- test: no clips in the split table, not scored" in (layout.eval_reports("tiny") / "summary.md").read_text()


@pytest.mark.slow
def test_unusable_mouth_arrays_fail_up_front_all_named(workdir, capsys, spell):
    layout.artefact("mouth", "s3/1-EF").unlink()
    np.savez_compressed(layout.artefact("mouth", "s2/18-CD"), frames=showing(spell("prego", FRAMES - 1)))
    assert evaluate() == 1
    error = capsys.readouterr().err
    assert "2 unusable mouth array(s)" in error
    assert "s3/1-EF: cannot read data/mouth/s3/1-EF.npz" in error
    assert f"s2/18-CD: frames array has shape ({FRAMES - 1}, 4, 7, 1), the model reads ({FRAMES}, 4, 7, 1)" in error
    assert not layout.eval_reports("tiny").exists()


def test_the_environment_names_the_system_tools_that_make_the_data():
    """ffmpeg and espeak-ng come from Debian, not pip: a security update changes the audio bytes."""
    versions = run.environment()
    assert versions["ffmpeg"][0].isdigit() and versions["espeak-ng"][0].isdigit(), versions
    assert run.tool_version(["no-such-tool-lipflow"]) == "not found"
