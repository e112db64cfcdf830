"""Probing, converting and decoding media through ffmpeg-python (argument lists, never shell strings)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import ffmpeg

from .errors import STORAGE_ERRNOS, StageError
from .files import atomic_path


def _ffmpeg_reason(error: ffmpeg.Error) -> str:
    lines = [line for line in (error.stderr or b"").decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "ffmpeg failed"


def _raise_if_refused(stderr: bytes | None, dest: Path) -> None:
    """Raise the OSError of a write the machine refused (disk full, read-only...) as ffmpeg logged
    its strerror: it exits 0 when the disk fills while it writes the trailer, so its log is read
    whatever its exit status. Not a fault of the clip: it stops the stage."""
    text = (stderr or b"").decode("utf-8", "replace")
    for code in sorted(STORAGE_ERRNOS):
        if os.strerror(code) in text:
            raise OSError(code, os.strerror(code), str(dest))


def _run(output, what: str, dest: Path) -> None:
    """Run an ffmpeg output; a failure is the clip's StageError unless the machine refused the write."""
    try:
        _, stderr = output.overwrite_output().run(quiet=True)
    except ffmpeg.Error as error:
        _raise_if_refused(error.stderr, dest)
        raise StageError(f"{what}: {_ffmpeg_reason(error)}") from None
    _raise_if_refused(stderr, dest)


def _rate(text: str | None) -> float | None:
    try:
        value = float(Fraction(text))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return value or None


def probe(path: Path) -> dict:
    """Streams, frame rates, frame count and duration of a media file, as found in the file.

    Browser recordings (WebM from MediaRecorder) often carry no container duration and a
    timebase as ``r_frame_rate``, so packets are counted and the measured rate is
    ``frames / duration`` of the video stream.
    """
    try:
        info = ffmpeg.probe(str(path), count_packets=None)
    except ffmpeg.Error as error:
        raise StageError(f"cannot decode: {_ffmpeg_reason(error)}") from None
    video = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
    audio = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    result = {
        "container": info.get("format", {}).get("format_name", ""),
        "video_streams": len(video),
        "audio_streams": len(audio),
    }
    if video:
        v = video[0]
        frames = int(v.get("nb_read_packets") or v.get("nb_frames") or 0)
        duration = _duration(v, info)
        result.update(
            video_codec=v.get("codec_name", ""),
            width=int(v.get("width", 0)),
            height=int(v.get("height", 0)),
            pix_fmt=v.get("pix_fmt", ""),
            frames=frames,
            duration=duration,
            avg_frame_rate=_rate(v.get("avg_frame_rate")),
            r_frame_rate=_rate(v.get("r_frame_rate")),
            measured_fps=round(frames / duration, 3) if duration else None,
        )
    if audio:
        a = audio[0]
        result.update(
            audio_codec=a.get("codec_name", ""),
            audio_sample_rate=int(a.get("sample_rate", 0) or 0),
            audio_channels=int(a.get("channels", 0) or 0),
        )
    return result


def _duration(stream: dict, info: dict) -> float | None:
    for value in (stream.get("duration"), info.get("format", {}).get("duration")):
        try:
            if value is not None and float(value) > 0:
                return float(value)
        except ValueError:
            continue
    return None


def require_audio_video(info: dict) -> None:
    if not info["video_streams"] and not info["audio_streams"]:
        raise StageError("zero length: the file holds no video and no audio")
    if not info["video_streams"]:
        raise StageError("no video stream")
    if not info["audio_streams"]:
        raise StageError("no audio stream")
    if not info.get("frames") or not info.get("duration"):
        raise StageError("zero length: no video frames")


def convert_fps(source: Path, dest: Path, fps: float, crf: int, preset: str, audio_sample_rate: int) -> dict:
    """Re-time ``source`` to a constant ``fps`` (H.264 + AAC mono in MP4), keeping the audio.

    Single-threaded and bit-exact so the same input gives the same bytes in any engine.
    Returns the probe of the input and of the output.
    """
    source_info = probe(source)
    require_audio_video(source_info)
    stream = ffmpeg.input(str(source))
    with atomic_path(dest) as tmp:
        out = ffmpeg.output(
            stream.video.filter("fps", fps=fps),
            stream.audio,
            str(tmp),
            vcodec="libx264", crf=crf, preset=preset, pix_fmt="yuv420p",
            acodec="aac", ar=audio_sample_rate, ac=1,
            threads=1, map_metadata=-1,
            **{"fflags": "+bitexact", "flags:v": "+bitexact", "flags:a": "+bitexact"},
        )
        _run(out, "conversion failed", dest)
        result_info = probe(tmp)
    if not result_info.get("frames"):
        raise StageError("conversion produced no frames")
    return {"input": source_info, "output": result_info}


def extract_audio(source: Path, dest: Path, sample_rate: int) -> None:
    """Mono 16-bit PCM WAV, the format aeneas and audio metrics read."""
    with atomic_path(dest) as tmp:
        _run(ffmpeg.input(str(source)).output(str(tmp), vn=None, acodec="pcm_s16le", ar=sample_rate, ac=1,
                                              map_metadata=-1, fflags="+bitexact"),
             "audio extraction failed", dest)


def encode_frames(frames, frame_rate: str, audio: Path, dest: Path, container: str, video_codec: str,
                  video_options: dict, audio_codec: str, audio_sample_rate: int) -> None:
    """Encode BGR frames (T x H x W x 3 uint8, piped raw) and a WAV file into ``dest``.

    ``container`` is forced, whatever ``dest`` is called; single-threaded and bit-exact so
    the same frames give the same file.
    """
    height, width = frames.shape[1:3]
    video = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="bgr24", s=f"{width}x{height}", framerate=frame_rate)
    out = ffmpeg.output(
        video, ffmpeg.input(str(audio)).audio, str(dest),
        format=container, vcodec=video_codec, pix_fmt="yuv420p", acodec=audio_codec, ar=audio_sample_rate, ac=1,
        threads=1, map_metadata=-1, loglevel="error",
        **video_options, **{"fflags": "+bitexact", "flags:v": "+bitexact", "flags:a": "+bitexact"},
    )
    process = out.overwrite_output().run_async(pipe_stdin=True, pipe_stderr=True)
    _, stderr = process.communicate(input=frames.tobytes())
    _raise_if_refused(stderr, dest)
    if process.returncode:
        raise StageError(f"encoding failed: {_ffmpeg_reason(ffmpeg.Error('ffmpeg', b'', stderr))}")
