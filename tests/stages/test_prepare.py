"""The data-preparation stages (fps; align: fragments, aeneas and .align) on real media."""

from __future__ import annotations

import subprocess
import sys
import wave
from itertools import pairwise

import numpy as np
import pytest

from lipflow import alignfile, cli, layout, media, text
from lipflow.files import read_json
from lipflow.records import Record
from tests.conftest import GRID_CLIPS, ffmpeg, grid_clip, speech_clip

pytestmark = pytest.mark.slow
STAGES = ("fps", "align")
SPEECH_TOLERANCE = 0.25  # s: aeneas lets a word's last phone fade into the following silence


def run_all(capsys) -> dict[str, str]:
    summaries = {}
    for stage in STAGES:
        assert cli.main([stage]) == 0
        summaries[stage] = capsys.readouterr().out.strip().splitlines()[-1]
    return summaries


def record(stage: str, key: str) -> Record:
    return Record.load(layout.record(stage, key))


def speech_span(video) -> tuple[float, float]:
    """First and last time (s) the audio is louder than a tenth of its peak (20 ms windows)."""
    wav = video.with_suffix(".check.wav")
    media.extract_audio(video, wav, 16000)
    with wave.open(str(wav)) as handle:
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16).astype(float)
    window = 320
    energy = np.sqrt(np.mean(samples[: len(samples) // window * window].reshape(-1, window) ** 2, axis=1))
    loud = np.flatnonzero(energy > 0.1 * energy.max())
    return loud[0] * 0.02, (loud[-1] + 1) * 0.02


def test_grid_clips_in_english(project, capsys):
    (project.root / "grid.tsv").write_text("id\ttext\n" + "".join(f"{k}\t{v}\n" for k, v in GRID_CLIPS.items()))
    project.set_params(**{"dataset.sentences": "grid.tsv", "dataset.language": "eng"})
    for name in GRID_CLIPS:
        project.add_clip(f"s1/{name}-GR", grid_clip(name))
    summaries = run_all(capsys)
    assert summaries["align"] == "align: 3 clips, 3 ok, 0 failed, 0 skipped"
    for name, sentence in GRID_CLIPS.items():
        key = f"s1/{name}-GR"
        fps = record("fps", key).details
        assert fps["frames"] == 75 and fps["input_frames"] == 75
        converted = media.probe(project.root / fps["output"])
        assert converted["audio_streams"] == 1 and converted["avg_frame_rate"] == 25
        segments = alignfile.read_align(project.root / f"data/align/{key}.align")
        assert alignfile.spoken_words(segments) == sentence.split()
        assert segments[0].begin == 0 and segments[-1].end == 75_000
        assert all(a.end == b.begin for a, b in pairwise(segments))
        start, end = speech_span(project.root / fps["output"])
        words = [s for s in segments if s.word != "sil"]
        assert words[0].begin / 25_000 >= start - SPEECH_TOLERANCE, (key, start, words[0])
        assert words[-1].end / 25_000 <= end + SPEECH_TOLERANCE, (key, end, words[-1])


def test_italian_browser_recordings_at_30_and_29_97_fps(project, capsys):
    cases = {"s1/2-AB": ("30", "webm"), "s1/16-AB": ("30000/1001", "mp4"),
             "s2/4-Zoë O'Neil \"Q\"": ("30000/1001", "webm")}
    sentences = {"2": "Perfetto, vorrei comprarne due.",
                 "16": "Purtroppo non lo so, però potresti chiedere all'autista.",
                 "4": "Sì, grazie e arrivederci."}
    for key, (rate, container) in cases.items():
        sentence = sentences[key.split("/")[1].split("-")[0]]
        clip = speech_clip(project.root / f"made.{container}", sentence, fps=rate, container=container)
        project.add_clip(key, clip)
    summaries = run_all(capsys)
    assert all(" 3 ok, 0 failed" in line for line in summaries.values()), summaries
    for key, (rate, container) in cases.items():
        fps = record("fps", key).details
        assert fps["input_container"].startswith({"webm": "matroska", "mp4": "mov"}[container])
        assert fps["input_avg_frame_rate"] == pytest.approx(eval(rate.replace("/", "/ ")), rel=0.01)
        assert fps["frames"] == pytest.approx(100, abs=1)
        label = text.normalise(record("align", key).details["sentence"], "ita")
        assert (project.root / f"data/align/{key}.fragments.txt").read_text().split() == ["sil", *label.split(), "sil"]
        segments = alignfile.read_align(project.root / f"data/align/{key}.align")
        assert alignfile.spoken_words(segments) == label.split()


def test_bad_inputs_are_reported_by_name_and_the_run_goes_on(project, capsys, tmp_path):
    good = speech_clip(tmp_path / "good.mp4", "Prego.")
    project.add_clip("s1/18-OK", good)
    project.add_clip("s1/18-BROKEN", tmp_path / "good.mp4").write_bytes(b"\x00garbage" * 100)
    silent = tmp_path / "silent.mp4"
    ffmpeg("-i", str(good), "-an", "-c:v", "copy", str(silent))
    project.add_clip("s1/18-MUTE", silent)
    empty = tmp_path / "empty.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=360x288:r=25", "-frames:v", "0", "-c:v", "libx264", str(empty))
    project.add_clip("s1/18-EMPTY", empty)
    project.add_clip("s1/99-AB", good)
    project.add_clip("s1/16-LONG", speech_clip(tmp_path / "long.mp4", "Purtroppo non lo so."))
    project.set_params(**{"labels.absolute_max_string_len": 40})

    result = subprocess.run([sys.executable, "-m", "lipflow", "fps"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1] == "fps: 6 clips, 2 ok, 4 failed, 0 skipped"
    for stage in STAGES[1:]:
        assert cli.main([stage]) == 0
    capsys.readouterr()

    rows = {line.split("\t")[0]: line.split("\t") for line in
            (project.root / "reports/manifests/align.tsv").read_text().splitlines()[1:]}
    assert set(rows) == {"s1/18-OK", "s1/18-BROKEN", "s1/18-MUTE", "s1/18-EMPTY", "s1/99-AB", "s1/16-LONG"}
    assert rows["s1/18-OK"][3] == "ok"
    assert "fps failed: cannot decode" in rows["s1/18-BROKEN"][4]
    assert "fps failed: no audio stream" in rows["s1/18-MUTE"][4]
    assert "zero length" in rows["s1/18-EMPTY"][4]
    assert "not in the sentence table" in rows["s1/99-AB"][4]
    assert rows["s1/16-LONG"][4].startswith("transcript") and "absolute_max_string_len" in rows["s1/16-LONG"][4]
    assert rows["s1/16-LONG"][3] == "failed"


def test_rerun_reuses_current_records_and_redoes_stale_ones(project, capsys, tmp_path):
    project.add_clip("s1/18-AB", speech_clip(tmp_path / "a.mp4", "Prego."))
    run_all(capsys)
    first = read_json(project.root / "data/align/s1/18-AB.record.json")
    fps_mtime = (project.root / "data/fps/s1/18-AB.mp4").stat().st_mtime_ns
    project.set_params(**{"align.boundary_value": 30})
    run_all(capsys)
    assert (project.root / "data/fps/s1/18-AB.mp4").stat().st_mtime_ns == fps_mtime
    assert read_json(project.root / "data/align/s1/18-AB.record.json")["fingerprint"] != first["fingerprint"]
