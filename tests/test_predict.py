"""lipflow predict on a real face in a WebM at 30 fps, and on a video with no face."""

import re

import cv2
import keras
import pytest

from lipflow import cli, layout, params, splitfile
from lipflow.models import Architecture, build
from lipflow.scoring import decoders
from tests.conftest import REPO, ffmpeg, speech_clip

pytestmark = pytest.mark.slow
MODEL = "models/tiny/model.keras"


@pytest.fixture
def tiny_model(project):
    """An untrained LipNet of the pipeline's crop shape: real layers, arbitrary output."""
    mouth = params.load(REPO / "params.yaml")["mouth"]
    keras.utils.set_random_seed(0)
    arch = Architecture((2, 2, 2), 4, 0.0, mouth["frames"], mouth["height"] // 2, mouth["width"] // 2,
                        mouth["channels"])
    model = build(arch, source_size=(mouth["height"], mouth["width"]))
    (project.root / MODEL).parent.mkdir(parents=True)
    model.save(project.root / MODEL)
    return mouth


def test_predict_reads_any_container_and_frame_rate(project, tiny_model, tmp_path, capsys):
    """Snapped to the words of the training labels in the split table, as evaluation snaps."""
    layout.SPLIT_TABLE.parent.mkdir(parents=True)
    splitfile.write(layout.SPLIT_TABLE, [splitfile.Row("s1/0-AB", "s1", "0", "tutto bene grazie", splitfile.TRAIN),
                                         splitfile.Row("s1/1-AB", "s1", "1", "prego", splitfile.TEST)])
    video = speech_clip(tmp_path / "take.webm", "prego", fps="30", container="webm", seconds=2.0)
    preview = tmp_path / "preview.png"
    assert cli.main(["predict", str(video), "--model", MODEL, "--preview", str(preview), "--columns", "10"]) == 0
    lines = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
                 for line in capsys.readouterr().out.splitlines())
    assert list(lines) == decoders.decoders(snap=True)
    assert all(re.fullmatch(r"[a-z ]*", sentence) for sentence in lines.values())
    assert set(lines["beam_snap"].split()) <= {"tutto", "bene", "grazie"}  # never the test label's "prego"
    sheet = cv2.imread(str(preview))
    rows = -(-tiny_model["frames"] // 10)
    assert sheet.shape == (rows * tiny_model["height"], 10 * tiny_model["width"], 3)


def test_predict_without_a_split_table_reports_no_snapped_sentence(project, tiny_model, tmp_path, capsys):
    video = speech_clip(tmp_path / "take.mp4", "prego", seconds=2.0)
    assert cli.main(["predict", str(video), "--model", MODEL]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == decoders.decoders(snap=False)


def test_predict_without_a_face_fails_with_one_line(project, tiny_model, tmp_path, capsys):
    video = tmp_path / "noface.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=360x288:r=25:d=2,noise=alls=100:allf=t",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-c:a", "aac", str(video))
    assert cli.main(["predict", str(video), "--model", MODEL]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.fullmatch(r"lipflow predict: no face in any of the \d+ frames \(0-\d+\)\n", captured.err)


def test_predict_without_a_model_says_so(project, tmp_path, capsys):
    video = tmp_path / "missing.mp4"
    video.write_bytes(b"")
    assert cli.main(["predict", str(video)]) == 1
    assert "models/vanilla/model.keras: model not found" in capsys.readouterr().err
