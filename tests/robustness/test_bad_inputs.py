"""More awkward recordings than the stage tests cover: each ends in a manifest row, and the rest go on."""

from __future__ import annotations

import csv
import json

import pytest

from lipflow import cli, layout
from tests.conftest import ffmpeg, grid_clip

pytestmark = pytest.mark.slow
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]


def manifest(root, stage: str) -> dict[str, dict]:
    with open(root / "reports" / "manifests" / f"{stage}.tsv", newline="") as handle:
        return {row["clip"]: row for row in csv.DictReader(handle, delimiter="\t")}


def test_phone_rotation_4k_two_faces_and_a_minute_long_clip_are_cropped_and_the_rest_go_on(grid_project, tmp_path,
                                                                                            capsys):
    source = str(grid_clip("lbax4n"))
    sideways = tmp_path / "sideways.mp4"
    ffmpeg("-i", source, "-vf", "transpose=1", *X264, str(sideways))  # a phone stores the frames sideways ...
    made = {
        "s2/lbax4n-RT": ["-i", str(sideways), "-c", "copy", "-metadata:s:v:0", "rotate=90"],  # ... and says so
        "s2/lbax4n-UHD": ["-i", source, "-vf", "scale=3840:2160", "-t", "1.2", *X264],
        "s2/lbax4n-TW": ["-i", source, "-i", source, "-filter_complex", "[0:v][1:v]hstack", *X264],
        "s2/lbax4n-MIN": ["-stream_loop", "20", "-i", source, "-t", "60", *X264],
    }
    for key, args in made.items():
        path = tmp_path / f"{key.replace('/', '_')}.mp4"
        ffmpeg(*args, str(path))
        grid_project.add_clip(key, path, ".mp4")
    for stage in ("fps", "landmarks", "mouth"):
        assert cli.main([stage]) == 0
    assert "mouth: 6 clips, 6 ok, 0 failed, 0 skipped, 1 with a warning" in capsys.readouterr().out
    rows = manifest(grid_project.root, "mouth")
    assert {rows[key]["status"] for key in ("s1/lbax4n-GR", "s1/sbwe5n-GR", *made)} == {"ok"}

    converted = json.loads(layout.record("fps", "s2/lbax4n-RT").read_text())["details"]["probe"]["output"]
    assert (converted["width"], converted["height"]) == (360, 288), "turned upright as the phone meant"
    assert rows["s2/lbax4n-RT"]["frames_with_face"] == "75"
    assert rows["s2/lbax4n-UHD"]["frames_with_face"] == "30" and rows["s2/lbax4n-UHD"]["padded"] == "70"
    assert float(rows["s2/lbax4n-UHD"]["mouth_width_px"]) > 10 * 40, "the crop scales with the face"
    assert rows["s2/lbax4n-TW"]["frames_with_face"] == "75" and rows["s2/lbax4n-TW"]["faces_most"] == "2"
    assert rows["s2/lbax4n-TW"]["warning"] == "2 faces in view: the largest one was cropped"
    assert {key for key, row in rows.items() if row["warning"]} == {"s2/lbax4n-TW"}, "one face: no warning"
    assert rows["s2/lbax4n-MIN"]["frames_decoded"] == "1490" and rows["s2/lbax4n-MIN"]["trimmed"] == "1390"
