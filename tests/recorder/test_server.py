"""The recorder app through Flask's test client, with real ffmpeg-made uploads and real ffprobe."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from lipflow import layout
from lipflow import media as media_mod
from lipflow.datasets import discover, read_sentences
from lipflow.params import ParamsError
from lipflow.recorder.server import create_app
from lipflow.recorder.takes import INITIALS_MAX_LENGTH, REGISTRY_NAME

SENTENCES = read_sentences("builtin:italian")
WEBM_TYPE = "video/webm;codecs=vp8,opus"


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "DATASET"


def make_client(root: Path, repo_params: dict, **overrides):
    settings = {**repo_params["record"], **overrides}
    app = create_app(root, SENTENCES, repo_params["dataset"]["video_extensions"], settings)
    return app.test_client()


@pytest.fixture
def client(root, repo_params):
    return make_client(root, repo_params)


def upload(client, body: bytes, initials="MR", sentence_id="3", mime=WEBM_TYPE, **fields):
    form = {
        "initials": initials,
        "sentence_id": sentence_id,
        "user_agent": "pytest-browser/1.0",
        "recording_started_at": "2026-11-22T03:00:00.000Z",
        "recording_stopped_at": "2026-11-22T03:00:04.000Z",
        "requested": json.dumps({"width": 360, "height": 288, "frame_rate": 25}),
        "reported_settings": json.dumps({"width": 360, "height": 288, "frameRate": 30}),
        "metadata": json.dumps({"device": "test webcam", "consent": True}),
        "video": (io.BytesIO(body), "take", mime),
        **fields,
    }
    return client.post("/api/takes", data=form, content_type="multipart/form-data")


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<dir>" for p in folder.rglob("*")}


def test_good_upload_lands_in_the_layout_with_its_sidecar(client, root, media, repo_params):
    response = upload(client, media["webm"])

    assert response.status_code == 201, response.json
    take = root / "s1" / "3-MR.webm"
    assert take.read_bytes() == media["webm"]
    sidecar = json.loads((root / "s1" / "3-MR.json").read_text())
    assert sidecar["clip"] == "s1/3-MR" and sidecar["file"] == "3-MR.webm"
    assert sidecar["mime_type"] == WEBM_TYPE
    assert sidecar["sentence"] == SENTENCES["3"]
    assert sidecar["requested_frame_rate"] == 25 and sidecar["reported_frame_rate"] == 30
    assert sidecar["user_agent"] == "pytest-browser/1.0"
    assert sidecar["recording_started_at"] < sidecar["recording_stopped_at"]
    assert sidecar["received_at"]
    assert sidecar["metadata"] == {"device": "test webcam", "consent": True}
    assert sidecar["probe"]["video_codec"] == "vp8" and sidecar["probe"]["audio_codec"] == "opus"
    assert sidecar["replaced_earlier_take"] is False
    assert json.loads((root / REGISTRY_NAME).read_text()) == {"MR": "s1"}
    clips, rejected = discover(root, repo_params["dataset"]["video_extensions"], SENTENCES)
    assert [clip.key for clip in clips] == ["s1/3-MR"] and rejected == []
    assert media_mod.probe(take)["audio_streams"] == 1
    assert response.json["progress"]["done"] == ["3"]


def test_speakers_get_the_next_free_folder_and_keep_it(client, root, media):
    assert upload(client, media["webm"], initials="MR").status_code == 201
    assert upload(client, media["mp4"], initials="Zoë", mime="video/mp4").status_code == 201
    assert upload(client, media["webm"], initials="MR", sentence_id="4").status_code == 201

    assert sorted(snapshot(root)) == sorted([
        "s1", "s1/3-MR.webm", "s1/3-MR.json", "s1/4-MR.webm", "s1/4-MR.json",
        "s2", "s2/3-Zoë.mp4", "s2/3-Zoë.json", REGISTRY_NAME,
    ])


def test_initials_already_in_a_hand_laid_folder_reuse_it(client, root, media):
    (root / "s4").mkdir(parents=True)
    (root / "s4" / "0-AB.mp4").write_bytes(media["mp4"])

    assert upload(client, media["webm"], initials="AB").status_code == 201
    assert upload(client, media["webm"], initials="CD").status_code == 201

    assert (root / "s4" / "3-AB.webm").is_file()
    assert (root / "s5" / "3-CD.webm").is_file()
    assert json.loads((root / REGISTRY_NAME).read_text()) == {"AB": "s4", "CD": "s5"}


def test_a_redo_in_another_container_replaces_the_earlier_take(client, root, media):
    upload(client, media["webm"])
    response = upload(client, media["mp4"], mime="video/mp4")

    assert response.status_code == 201
    assert sorted(p.name for p in (root / "s1").iterdir()) == ["3-MR.json", "3-MR.mp4"]
    sidecar = json.loads((root / "s1" / "3-MR.json").read_text())
    assert sidecar["file"] == "3-MR.mp4" and sidecar["replaced_earlier_take"] is True


BAD_INITIALS = ["../x", "a/b", "a\\b", "..", "a\x00b", ".ab", "M R", "M-R", "A" * (INITIALS_MAX_LENGTH + 1), ""]


@pytest.mark.parametrize("initials", BAD_INITIALS, ids=repr)
def test_unsafe_initials_are_refused_and_nothing_is_written(client, root, media, initials):
    upload(client, media["webm"], initials="MR")
    before = snapshot(root)

    response = upload(client, media["webm"], initials=initials)

    assert response.status_code == 400
    assert "initials" in response.json["error"]
    assert snapshot(root) == before
    assert not (root.parent / "x").exists()


def test_refused_initials_are_named_in_the_message(client, media):
    assert "'/'" in upload(client, media["webm"], initials="a/b").json["error"]
    assert "too long" in upload(client, media["webm"], initials="A" * 40).json["error"]


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("empty", 400, "the upload is empty"),
        ("wrong mime type", 415, "mime type 'text/plain' is not accepted"),
        ("no mime type", 415, "is not accepted"),
        ("unknown sentence", 400, "unknown sentence ID '99'"),
        ("not a video", 422, "not a usable recording: cannot decode"),
        ("no audio", 422, "no audio stream"),
        ("no video", 422, "no video stream"),
        ("mp4 sent as webm", 422, "not the webm its mime type claims"),
        ("bad client JSON", 400, "'reported_settings' must be a JSON object"),
        ("no video field", 400, "no video in the upload"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(client, root, media, case, status, message):
    upload(client, media["webm"], initials="MR")
    before = snapshot(root)
    body, kwargs = {
        "empty": (b"", {}),
        "wrong mime type": (media["webm"], {"mime": "text/plain"}),
        "no mime type": (media["webm"], {"mime": ""}),
        "unknown sentence": (media["webm"], {"sentence_id": "99"}),
        "not a video": (b"this is not a video\n" * 500, {}),
        "no audio": (media["webm_no_audio"], {}),
        "no video": (media["webm_no_video"], {}),
        "mp4 sent as webm": (media["mp4"], {}),
        "bad client JSON": (media["webm"], {"reported_settings": "[1, 2]"}),
        "no video field": (media["webm"], {"video": ""}),
    }[case]

    response = upload(client, body, initials="NEW", **kwargs)

    assert response.status_code == status
    assert message in response.json["error"]
    assert snapshot(root) == before


def test_a_take_larger_than_the_limit_is_refused(root, repo_params, media):
    client = make_client(root, repo_params, max_upload_mb=0.01)

    response = upload(client, media["webm"] * 10)

    assert response.status_code == 413
    assert "larger than 0.01 MB" in response.json["error"]
    assert snapshot(root) == {}


@pytest.mark.parametrize("name", ["3-MR.mpg", "3-MR.webm"])
def test_a_file_the_recorder_did_not_write_is_never_replaced(client, root, media, name):
    (root / "s1").mkdir(parents=True)
    (root / "s1" / name).write_bytes(media["mp4"])
    before = snapshot(root)

    response = upload(client, media["webm"])

    assert response.status_code == 409
    assert f"s1/{name} already exists" in response.json["error"]
    assert snapshot(root) == before


def test_a_dataset_that_would_never_discover_the_takes_is_refused_up_front(root, repo_params):
    with pytest.raises(ParamsError, match="dataset.video_extensions: add webm"):
        create_app(root, SENTENCES, ["mpg", "mp4"], repo_params["record"])


def test_a_redo_in_the_same_container_replaces_the_take(client, root, media):
    upload(client, media["webm"])
    upload(client, media["webm"], metadata=json.dumps({"device": "second try"}))

    assert sorted(p.name for p in (root / "s1").iterdir()) == ["3-MR.json", "3-MR.webm"]
    sidecar = json.loads((root / "s1" / "3-MR.json").read_text())
    assert sidecar["replaced_earlier_take"] is True and sidecar["metadata"] == {"device": "second try"}


def test_progress_lists_the_missing_sentences(client, root, media):
    fresh = client.get("/api/progress", query_string={"initials": "MR"}).json
    assert fresh["speaker"] is None and fresh["done"] == [] and fresh["missing"] == list(SENTENCES)

    upload(client, media["webm"], sentence_id="0")
    upload(client, media["webm"], sentence_id="3")
    progress = client.get("/api/progress", query_string={"initials": "MR"}).json

    assert progress["speaker"] == "s1" and progress["total"] == len(SENTENCES)
    assert progress["done"] == ["0", "3"]
    assert progress["missing"] == [sid for sid in SENTENCES if sid not in {"0", "3"}]
    assert not (root / "s2").exists()


def test_progress_refuses_unsafe_initials(client):
    response = client.get("/api/progress", query_string={"initials": "../etc"})

    assert response.status_code == 400 and "initials" in response.json["error"]


def test_the_page_carries_the_sentences_and_the_take_settings(client, repo_params):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(html.split('<script id="config" type="application/json">')[1].split("</script>")[0])

    assert [s["text"] for s in config["sentences"]] == list(SENTENCES.values())
    assert config["take_seconds"] == repo_params["record"]["take_seconds"]
    assert (config["width"], config["height"]) == (repo_params["record"]["width"], repo_params["record"]["height"])
    assert client.get("/static/recorder.js").status_code == 200


def test_the_cli_has_a_record_command_with_params_defaults():
    from lipflow.cli import _run_record, build_parser

    args = build_parser().parse_args(["record", "--port", "9000", "--root", "DATASET"])

    assert args.handler is _run_record
    assert (args.host, args.port, args.root) == (None, 9000, "DATASET")


@pytest.mark.slow
def test_a_take_uploaded_while_the_pipeline_reads_the_folder_is_named_then_processed(project, media, repo_params):
    """The recorder and the pipeline share the dataset folder: the run in progress either converts
    the new take or names it as not run, and the next run converts it; a take still being written
    is never discovered (tests/test_datasets.py)."""
    for number in range(1, 9):
        (project.dataset / "s1").mkdir(exist_ok=True)
        (project.dataset / "s1" / f"{number}-AB.webm").write_bytes(media["webm"])
    running = subprocess.Popen(["lipflow", "fps", "--jobs", "1"], cwd=project.root, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not any((project.root / layout.STAGE_DIRS["fps"]).rglob("*.record.json")) and running.poll() is None:
        assert time.monotonic() < deadline, "the fps stage never started"
        time.sleep(0.05)
    response = upload(make_client(project.dataset, repo_params), media["webm"], initials="NEW")
    assert response.status_code == 201, response.json
    take = response.json["saved"]
    output, _ = running.communicate(timeout=300)
    assert running.returncode == 0, output[-2000:]

    rows = {row["clip"]: row for row in csv.DictReader(
        (project.root / "reports/manifests/fps.tsv").read_text().splitlines(), delimiter="\t")}
    assert set(rows) == {f"s1/{n}-AB" for n in range(1, 9)} | {take}, "every file named, no half-written one"
    assert rows[take]["status"] == "ok" or "did not run" in rows[take]["reason"]
    again = project.run("lipflow", "fps")
    assert "fps: 9 clips, 9 ok, 0 failed" in again.stdout
