"""The original study's recordings (Lipnet-ITA's ``DATASET/``) are accepted as they are laid out.

Their listing: ``DATASET/s<k>/<ID>-<initials>.mpg``, one folder per speaker, every speaker saying
the 19 sentences (IDs 0-18), the browser's WebM or MP4 inside the ``.mpg`` name at the browser's
frame rate. The videos here are tiny generated ones with that layout and those containers.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from lipflow.datasets import discover, read_sentences

SPEAKERS = {"s1": "BS", "s2": "MR", "s3": "AL"}
CONTAINERS = {"s1": ("webm", "libvpx", "libopus", "30"), "s2": ("mp4", "libx264", "aac", "30000/1001"),
              "s3": ("webm", "libvpx-vp9", "libopus", "24")}


def tiny_recording(dest, container, video_codec, audio_codec, rate) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size=96x72:rate={rate}",
                    "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000", "-t", "1.2",
                    "-c:v", video_codec, "-c:a", audio_codec, "-f", container, str(dest)], check=True)


@pytest.mark.slow
def test_a_folder_laid_out_like_lipnet_ita_is_accepted(project):
    sentences = read_sentences("builtin:italian")
    assert list(sentences) == [str(i) for i in range(19)]
    for speaker, initials in SPEAKERS.items():
        for sentence_id in sentences:
            tiny_recording(project.dataset / speaker / f"{sentence_id}-{initials}.mpg", *CONTAINERS[speaker])
    clips, rejected = discover(project.dataset, project.params["dataset"]["video_extensions"], sentences)
    assert not rejected
    assert len(clips) == 3 * 19 and {c.speaker for c in clips} == set(SPEAKERS)
    assert {c.sentence_id for c in clips} == set(sentences)

    result = project.run("lipflow", "fps")
    assert "57 ok, 0 failed" in result.stdout, result.stdout + result.stderr
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate",
                            "-of", "json", str(project.root / "data" / "fps" / "s2" / "7-MR.mp4")],
                           capture_output=True, text=True, check=True)
    assert json.loads(probe.stdout)["streams"][0]["r_frame_rate"] == "25/1"
