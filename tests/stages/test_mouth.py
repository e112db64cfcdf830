"""The mouth stage on real GRID faces and on broken videos made from them with ffmpeg."""

from __future__ import annotations

import csv

import cv2
import dlib
import numpy as np
import pytest

from lipflow import cli, layout, mouthfile
from lipflow.records import Record
from lipflow.stages import mouth
from lipflow.vision import landmarks
from tests.conftest import GRID_CLIPS, ffmpeg, grid_clip

pytestmark = pytest.mark.slow
T = 75  # GRID clips: 3 s at 25 fps
GRID_KEYS = {name: f"s{index}/{index}-G{name[:1].upper()}" for index, name in enumerate(GRID_CLIPS, start=1)}
CENTRE_TOLERANCE = 2.0  # px, median over a clip
CENTRE_WORST = 4.0  # px, any single frame (the centre is smoothed over a few frames)


def run_stages(project, *clips: str) -> dict[str, dict]:
    """fps, landmarks and mouth over every clip of the project; the mouth manifest rows by clip."""
    for stage in ("fps", "landmarks", "mouth"):
        assert cli.main([stage]) == 0
    with open(project.root / "reports/manifests/mouth.tsv", newline="") as handle:
        rows = {row["clip"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert set(clips) <= set(rows)
    return rows


def record(key: str) -> Record:
    return Record.load(layout.record(mouth.NAME, key))


def per_frame_centroids(video) -> np.ndarray:
    """Mouth centroid of every frame by its own full-frame detection + landmarks."""
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(landmarks.predictor_path()))
    capture = cv2.VideoCapture(str(video))
    centres = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        faces = detector(rgb, 0)
        assert len(faces) == 1
        shape = predictor(rgb, faces[0])
        centres.append(np.mean([(shape.part(i).x, shape.part(i).y) for i in range(48, 68)], axis=0))
    capture.release()
    return np.array(centres)


def test_grid_clips_give_exact_shape_crops_centred_on_the_mouth(project):
    project.set_params(**{"mouth.frames": T})
    for name, key in GRID_KEYS.items():
        project.add_clip(key, grid_clip(name))
    rows = run_stages(project, *GRID_KEYS.values())
    for key in GRID_KEYS.values():
        assert rows[key]["status"] == "ok", rows[key]["reason"]
        with np.load(layout.artefact("mouth", key)) as crops:
            assert crops["frames"].shape == (T, 50, 100, 3) and crops["frames"].dtype == np.uint8
            assert crops["landmarks"].shape == (T, 68, 2) and crops["landmarks"].dtype == np.float32
            assert (crops["mask"] == mouthfile.MEASURED).all()
            assert crops["frames"].std() > 10  # a face, not padding
            boxes = crops["boxes"]
            centres = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)
            assert np.allclose((boxes[:, 2] - boxes[:, 0]) / (boxes[:, 3] - boxes[:, 1]), 2, atol=0.1)
        distance = np.linalg.norm(centres - per_frame_centroids(layout.artefact("fps", key)), axis=1)
        assert np.median(distance) <= CENTRE_TOLERANCE and distance.max() <= CENTRE_WORST, distance
        details = record(key).details
        assert details["frames_in"] == T and details["padded"] == details["trimmed"] == 0
        assert details["detector_calls"] < T / 2  # the detector does not run on every frame


def test_crops_are_byte_identical_when_rerun(project):
    key = GRID_KEYS["lbax4n"]
    project.add_clip(key, grid_clip("lbax4n"))
    run_stages(project, key)
    first = layout.artefact("mouth", key).read_bytes()
    assert cli.main(["mouth", "--clip", key, "--force"]) == 0
    assert layout.artefact("mouth", key).read_bytes() == first


def test_bad_videos_each_get_a_manifest_entry_and_the_run_goes_on(project, tmp_path):
    project.set_params(**{"mouth.frames": T})
    source, made = str(grid_clip("lbax4n")), tmp_path / "made"
    made.mkdir()
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
    clips = {
        "s1/0-NF": ("mp4", ["-f", "lavfi", "-i", "color=c=gray:s=360x288:r=25:d=3,noise=alls=100:allf=t",
                            "-i", source, "-map", "0:v", "-map", "1:a", *x264]),
        "s1/1-HB": ("mp4", ["-i", source, "-vf", "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='gte(n,38)'",
                            *x264]),
        "s1/2-OF": ("mp4", ["-i", source, "-vf", "trim=end_frame=1", *x264]),
        "s1/3-GR": ("mkv", ["-i", source, "-vf", "format=gray", "-c:v", "ffv1", "-c:a", "aac"]),
        "s1/4-LG": ("mp4", ["-stream_loop", "2", "-i", source, *x264]),
        "s1/5-OK": ("mpg", ["-i", source, "-c", "copy"]),
    }
    for key, (suffix, args) in clips.items():
        ffmpeg(*args, str(made / f"{key.replace('/', '_')}.{suffix}"))
        project.add_clip(key, made / f"{key.replace('/', '_')}.{suffix}", f".{suffix}")
    rows = run_stages(project, *clips)

    assert rows["s1/0-NF"]["status"] == "failed" and "no face in any of the 75 frames" in rows["s1/0-NF"]["reason"]
    assert rows["s1/1-HB"]["status"] == "failed"
    assert "no face in frames 38-74" in rows["s1/1-HB"]["reason"]
    assert rows["s1/2-OF"]["status"] == "failed" and "1 frame(s)" in rows["s1/2-OF"]["reason"]
    assert rows["s1/3-GR"]["status"] == "ok" and rows["s1/3-GR"]["grey_source"] == "True"
    long = rows["s1/4-LG"]
    assert long["status"] == "ok" and int(long["frames_decoded"]) > 2 * T
    assert int(long["trimmed"]) == int(long["frames_decoded"]) - T and long["length_rule"].endswith("trim end")
    assert rows["s1/5-OK"]["status"] == "ok"
    for key in ("s1/3-GR", "s1/4-LG", "s1/5-OK"):
        with np.load(layout.artefact("mouth", key)) as crops:
            assert crops["frames"].shape == (T, 50, 100, 3)
    for key in ("s1/0-NF", "s1/1-HB", "s1/2-OF"):
        assert not layout.artefact("mouth", key).exists()  # never a wrong shape


def test_preview_writes_a_labelled_contact_sheet(project, tmp_path):
    key = GRID_KEYS["pwij3p"]
    project.set_params(**{"mouth.frames": T})
    project.add_clip(key, grid_clip("pwij3p"))
    run_stages(project, key)
    out = tmp_path / "sheet.png"
    assert cli.main(["preview", key, "--out", str(out), "--columns", "10"]) == 0
    sheet = cv2.imread(str(out))
    assert sheet.shape == (8 * 50, 10 * 100, 3)
    assert cli.main(["preview", "s9/0-XX", "--out", str(out)]) == 1
