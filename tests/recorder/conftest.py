"""Real media for the recorder tests: tiny clips made by ffmpeg, as a browser would upload them."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import pytest

from lipflow import params as params_mod

REPO = Path(__file__).resolve().parents[2]
CODECS = {
    "webm": {"vcodec": "libvpx", "acodec": "libopus", "deadline": "realtime", "cpu-used": 8},
    "mp4": {"vcodec": "libx264", "acodec": "aac", "preset": "ultrafast"},
}


def make_clip(path: Path, container: str, video: bool = True, audio: bool = True, seconds: float = 1.0) -> Path:
    streams = []
    if video:
        streams.append(ffmpeg.input("testsrc=size=360x288:rate=25", f="lavfi", t=seconds))
    if audio:
        streams.append(ffmpeg.input("sine=frequency=440:sample_rate=48000", f="lavfi", t=seconds))
    options = {k: v for k, v in CODECS[container].items() if (video or k != "vcodec") and (audio or k != "acodec")}
    ffmpeg.output(*streams, str(path), f=container, threads=1, **options).overwrite_output().run(quiet=True)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, bytes]:
    """Bytes of a good WebM and MP4 and of WebMs missing audio or video."""
    folder = tmp_path_factory.mktemp("media")
    return {
        "webm": make_clip(folder / "good.webm", "webm").read_bytes(),
        "mp4": make_clip(folder / "good.mp4", "mp4").read_bytes(),
        "webm_no_audio": make_clip(folder / "silent.webm", "webm", audio=False).read_bytes(),
        "webm_no_video": make_clip(folder / "blind.webm", "webm", video=False).read_bytes(),
    }


@pytest.fixture(scope="session")
def repo_params() -> dict:
    return params_mod.load(REPO / "params.yaml")
