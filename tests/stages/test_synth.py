import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from lipflow import alignfile, grid, media, text
from lipflow.files import read_json
from lipflow.layout import TRUTH_SUFFIX
from lipflow.stages import synth
from lipflow.synth import corpus, face
from lipflow.synth.plan import planned_clips, sentences
from lipflow.synth.write import synthesize_clip
from lipflow.vision.video import decode
from tests.conftest import GRID_FOLDERS, grid_synth_params, synth_params

CONTAINERS = {"webm": "matroska,webm", "mp4": "mov,mp4,m4a,3gp,3g2,mj2"}


def generate(folder: Path, params: dict) -> tuple[Path, dict]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        records = synth.run_all(params)
    assert all(r.ok for r in records), [r.reason for r in records if not r.ok]
    return folder, params


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Two speakers x two sentences, generated once for the module's tests."""
    folder = tmp_path_factory.mktemp("synth") / "project"
    return generate(folder, synth_params(folder))


def test_clips_decode_at_the_device_rate_with_audio_and_video(generated):
    folder, params = generated
    for relpath in planned_clips(params):
        video = folder / "data" / "corpus" / relpath
        truth = read_json(video.with_name(video.stem + TRUTH_SUFFIX))
        who = corpus.speaker(params["seed"], int(relpath[1]), params["synth"])
        info = media.probe(video)
        assert info["video_streams"] == 1 and info["audio_streams"] == 1
        assert info["container"] == CONTAINERS[corpus.ENCODINGS[who.encoding].container]
        assert (info["width"], info["height"]) == (360, 288)
        assert info["measured_fps"] == pytest.approx(truth["fps"], rel=0.01)
        assert info["duration"] == pytest.approx(params["synth"]["duration"], abs=0.1)
        assert truth["speaker"]["frame_rate"] == who.frame_rate


def test_word_times_are_ordered_inside_the_clip_and_spell_the_label(generated):
    folder, params = generated
    table = sentences(params)
    for relpath in planned_clips(params):
        truth = read_json(folder / "data" / "corpus" / relpath.replace(".mpg", TRUTH_SUFFIX))
        words = truth["words"]
        assert [w["word"] for w in words] == text.words(table[relpath.split("/")[1].split("-")[0]])
        assert all(0 <= w["start"] < w["end"] <= truth["duration"] for w in words)
        assert all(a["end"] <= b["start"] + 1e-6 for a, b in pairwise(words))
        phones = truth["phonemes"]
        assert words[0]["start"] == phones[0]["start"] and words[-1]["end"] == phones[-1]["end"]


def test_same_seed_same_clip_other_seed_other_clip(generated, tmp_path):
    folder, params = generated
    relpath = planned_clips(params)[1]
    synthesize_clip(params, relpath, tmp_path / "again")
    truth = relpath.replace(".mpg", TRUTH_SUFFIX)
    assert (tmp_path / "again" / truth).read_bytes() == (folder / "data" / "corpus" / truth).read_bytes()
    original = np.array(decode(folder / "data" / "corpus" / relpath))
    assert np.array_equal(np.array(decode(tmp_path / "again" / relpath)), original)

    other = {**params, "seed": params["seed"] + 1}
    other_relpath = planned_clips(other)[1]
    synthesize_clip(other, other_relpath, tmp_path / "other")
    other_truth = read_json(tmp_path / "other" / other_relpath.replace(".mpg", TRUTH_SUFFIX))
    assert other_truth != read_json(folder / "data" / "corpus" / truth)
    frames = np.array(decode(tmp_path / "other" / other_relpath))
    assert frames.shape != original.shape or not np.array_equal(frames, original)


def test_a_batch_run_resumes_and_remakes_missing_files(generated, monkeypatch):
    folder, params = generated
    monkeypatch.chdir(folder)
    videos = [folder / "data" / "corpus" / p for p in planned_clips(params)]
    stamps = [v.stat().st_mtime_ns for v in videos]
    synth.run_all(params)
    assert [v.stat().st_mtime_ns for v in videos] == stamps
    videos[0].unlink()
    synth.run_all(params)
    assert videos[0].is_file()
    assert [v.stat().st_mtime_ns for v in videos[1:]] == stamps[1:]
    manifest = (folder / "reports" / "manifests" / "synth.tsv").read_text().splitlines()
    assert len(manifest) == 1 + len(videos) and all("\tok\t" in row for row in manifest[1:])


def test_cli_makes_one_clip_and_names_a_clip_that_is_not_planned(tmp_path):
    params = synth_params(tmp_path, speakers=2, sentence_ids=["18"])
    key, other_key = (relpath.removesuffix(".mpg") for relpath in planned_clips(params))
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", key],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "corpus" / f"{key}.mpg").is_file()
    assert (tmp_path / "data" / "corpus" / f"{key}{TRUTH_SUFFIX}").is_file()
    run = subprocess.run([sys.executable, "-m", "lipflow", "manifest", "synth"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    rows = {row.split("\t")[0]: row for row in
            (tmp_path / "reports" / "manifests" / "synth.tsv").read_text().splitlines()[1:]}
    assert "\tok\t" in rows[key]
    assert "the synth job did not run" in rows[other_key]
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", "s1/18-ZZ"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert "not a planned clip" in run.stderr
    assert not (tmp_path / "data" / "corpus" / "s1" / "18-ZZ.mpg").exists()


# The GRID-like corpus (dataset.kind: grid_synthetic)

@pytest.fixture(scope="module")
def grid_generated(tmp_path_factory):
    """Three GRID-like speakers x one clip, generated once for the module's tests."""
    folder = tmp_path_factory.mktemp("grid_synth") / "project"
    return generate(folder, grid_synth_params(folder))


def test_grid_clips_are_3_s_mpeg1_at_25_fps_with_audio(grid_generated):
    folder, params = grid_generated
    for relpath in planned_clips(params):
        video = folder / "data" / "corpus" / relpath
        info = media.probe(video)
        assert info["container"] == "mpeg"
        assert (info["video_streams"], info["audio_streams"]) == (1, 1)
        assert (info["video_codec"], info["audio_codec"], info["audio_sample_rate"]) == ("mpeg1video", "mp2", 44100)
        assert (info["width"], info["height"], info["frames"]) == (360, 288, grid.FRAMES)
        assert info["measured_fps"] == pytest.approx(grid.FPS, rel=0.01)
        truth = read_json(video.with_name(video.stem + TRUTH_SUFFIX))
        assert (truth["fps"], truth["duration"], truth["language"]) == (25.0, 3.0, "eng")
        assert [w["word"] for w in truth["words"]] == grid.words(video.stem)


def test_grid_alignments_say_the_name_cover_the_clip_and_follow_the_truth(grid_generated):
    folder, params = grid_generated
    root = folder / "data" / "corpus"
    for relpath in planned_clips(params):
        speaker, code = relpath.removesuffix(".mpg").split("/")
        align = root / f"s{GRID_FOLDERS[int(speaker[1:])]}" / "align" / f"{code}.align"
        segments = alignfile.read_align(align)
        assert alignfile.spoken_words(segments) == grid.words(code)
        assert segments[0].begin == 0 and segments[-1].end == 75000
        assert segments[0].word == segments[-1].word == "sil"
        assert all(a.end == b.begin and a.begin < a.end for a, b in pairwise(segments))
        truth = read_json(root / speaker / f"{code}{TRUTH_SUFFIX}")
        spoken = [s for s in segments if s.word not in alignfile.SILENCE_TOKENS]
        for word, segment in zip(truth["words"], spoken, strict=True):
            assert abs(segment.begin / 1000 - word["start"] * 25) <= 0.5 + 1e-6


def test_only_the_misplaced_pair_has_its_alignments_in_the_partner_folder(grid_generated):
    folder, params = grid_generated
    root = folder / "data" / "corpus"
    expected = {f"s{GRID_FOLDERS[int(p[1])]}/align/{Path(p).stem}.align" for p in planned_clips(params)}
    found = {p.relative_to(root).as_posix() for p in root.rglob("*.align")}
    assert found == expected
    # the ingestion check finds s2's alignments in s3's folder and the other way round, s1's at home
    videos = {f"s{k}": {p.stem for p in (root / f"s{k}").glob("*.mpg")} for k in (1, 2, 3)}
    folders = grid.align_folders(root, sorted(videos))
    filed = {s: {p.stem for p in f.glob("*.align")} for s, f in folders.items()}
    sources = grid.alignment_sources(videos, filed, folders)
    assert {s: src.filed_under for s, src in sources.items()} == {"s1": "s1", "s2": "s3", "s3": "s2"}


def test_grid_clip_is_the_same_when_made_again_and_stale_alignments_go(grid_generated, tmp_path):
    folder, params = grid_generated
    relpath = planned_clips(params)[1]                      # s2's clip, its .align in s3/align
    code = Path(relpath).stem
    unswapped = {**params, "synth": {**params["synth"], "grid_misplaced_alignments": []}}
    stale = tmp_path / "again" / "s3" / "align" / f"{code}.align"
    stale.parent.mkdir(parents=True)
    stale.write_text("0 75000 sil\n")
    details = synthesize_clip(unswapped, relpath, tmp_path / "again")
    assert details["align"] == str(tmp_path / "again" / "s2" / "align" / f"{code}.align")
    assert not stale.exists()
    original = folder / "data" / "corpus"
    for name in (relpath, relpath.replace(".mpg", TRUTH_SUFFIX)):
        assert (tmp_path / "again" / name).read_bytes() == (original / name).read_bytes()
    assert Path(details["align"]).read_bytes() == (original / "s3" / "align" / f"{code}.align").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("corpus, frames_per_clip", [("generated", None), ("grid_generated", grid.FRAMES)])
def test_dlib_finds_one_face_in_the_frames(corpus, frames_per_clip, request):
    folder, params = request.getfixturevalue(corpus)
    counts = []
    for relpath in planned_clips(params):
        frames = decode(folder / "data" / "corpus" / relpath)
        assert frames_per_clip in (None, len(frames))
        counts += [len(face.detect_faces(frame)) for frame in frames[::3]]
    assert np.mean(np.array(counts) == 1) >= 0.99


@pytest.mark.slow
def test_cli_makes_one_grid_clip_by_its_key(tmp_path):
    params = grid_synth_params(tmp_path, speakers=1)
    key = planned_clips(params)[0].removesuffix(".mpg")
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", key],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    root = tmp_path / "data" / "corpus"
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == {
        f"{key}.mpg", f"{key}{TRUTH_SUFFIX}", f"s1/align/{key.split('/')[1]}.align"}
    assert read_json(tmp_path / "data" / "synth" / f"{key}.record.json")["status"] == "ok"
