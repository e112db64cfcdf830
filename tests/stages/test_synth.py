import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from lipflow import alignfile, grid, media, params as params_mod, text
from lipflow.files import read_json
from lipflow.records import StageError
from lipflow.stages import synth
from lipflow.stages.mouth import decode
from lipflow.synth import corpus, face

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = {"webm": "matroska,webm", "mp4": "mov,mp4,m4a,3gp,3g2,mj2"}


ITALIAN = {"dataset": {"kind": "synthetic"}, "synth": {"speakers": 2, "sentence_ids": ["13", "18"]}}
GRID = {"dataset": {"kind": "grid_synthetic", "sentences": "builtin:grid", "language": "eng"},
        "synth": {"speakers": 3, "grid_clips_per_speaker": 1, "grid_misplaced_alignments": [[2, 3], [1, 9]]}}


def make_project(folder: Path, corpus_kind: dict = ITALIAN, **synth_settings) -> dict:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["dataset"].update(root="data/corpus", **corpus_kind["dataset"])
    params["synth"].update({**corpus_kind["synth"], **synth_settings})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params_mod.load(folder / "params.yaml")


def make_grid_project(folder: Path, **synth_settings) -> dict:
    return make_project(folder, GRID, **synth_settings)


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
    return generate(folder, make_project(folder))


def test_planned_clips_come_from_params_alone(tmp_path):
    params = make_project(tmp_path)
    planned = synth.planned_clips(params)
    first, second = corpus.initials(params["seed"], 1), corpus.initials(params["seed"], 2)
    assert planned == [f"s1/13-{first}.mpg", f"s1/18-{first}.mpg", f"s2/13-{second}.mpg", f"s2/18-{second}.mpg"]
    assert synth.planned_clips({**params, "seed": params["seed"] + 1}) != planned
    assert not (tmp_path / "data" / "corpus").exists()


def test_extra_sentences_are_planned_and_bad_ids_are_named(tmp_path):
    (tmp_path / "extra.tsv").write_text("id\ttext\nx1\tIl gatto dorme sul divano.\n")
    params = make_project(tmp_path, extra_sentences="extra.tsv")
    assert [p.split("/")[1].split("-")[0] for p in synth.planned_clips(params, tmp_path)][:3] == ["13", "18", "x1"]
    with pytest.raises(StageError, match="99"):
        synth.planned_clips({**params, "synth": {**params["synth"], "sentence_ids": ["99"]}}, tmp_path)
    (tmp_path / "extra.tsv").write_text("id\ttext\n13\tDoppione.\n")
    with pytest.raises(StageError, match="already in the sentence table"):
        synth.planned_clips(params, tmp_path)


def test_clips_decode_at_the_device_rate_with_audio_and_video(generated):
    folder, params = generated
    for relpath in synth.planned_clips(params):
        video = folder / "data" / "corpus" / relpath
        truth = read_json(video.with_name(video.stem + synth.TRUTH_SUFFIX))
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
    table = synth.sentences(params)
    for relpath in synth.planned_clips(params):
        truth = read_json(folder / "data" / "corpus" / relpath.replace(".mpg", synth.TRUTH_SUFFIX))
        words = truth["words"]
        assert [w["word"] for w in words] == text.words(table[relpath.split("/")[1].split("-")[0]])
        assert all(0 <= w["start"] < w["end"] <= truth["duration"] for w in words)
        assert all(a["end"] <= b["start"] + 1e-6 for a, b in zip(words, words[1:]))
        phones = truth["phonemes"]
        assert words[0]["start"] == phones[0]["start"] and words[-1]["end"] == phones[-1]["end"]


def test_same_seed_same_clip_other_seed_other_clip(generated, tmp_path):
    folder, params = generated
    relpath = synth.planned_clips(params)[1]
    synth.synthesize_clip(params, relpath, tmp_path / "again")
    truth = relpath.replace(".mpg", synth.TRUTH_SUFFIX)
    assert (tmp_path / "again" / truth).read_bytes() == (folder / "data" / "corpus" / truth).read_bytes()
    original = np.array(decode(folder / "data" / "corpus" / relpath))
    assert np.array_equal(np.array(decode(tmp_path / "again" / relpath)), original)

    other = {**params, "seed": params["seed"] + 1}
    other_relpath = synth.planned_clips(other)[1]
    synth.synthesize_clip(other, other_relpath, tmp_path / "other")
    other_truth = read_json(tmp_path / "other" / other_relpath.replace(".mpg", synth.TRUTH_SUFFIX))
    assert other_truth != read_json(folder / "data" / "corpus" / truth)
    frames = np.array(decode(tmp_path / "other" / other_relpath))
    assert frames.shape != original.shape or not np.array_equal(frames, original)


def test_a_batch_run_resumes_and_remakes_missing_files(generated, monkeypatch):
    folder, params = generated
    monkeypatch.chdir(folder)
    videos = [folder / "data" / "corpus" / p for p in synth.planned_clips(params)]
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
    params = make_project(tmp_path, speakers=2, sentence_ids=["18"])
    key, other_key = (relpath.removesuffix(".mpg") for relpath in synth.planned_clips(params))
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", key],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "corpus" / f"{key}.mpg").is_file()
    assert (tmp_path / "data" / "corpus" / f"{key}{synth.TRUTH_SUFFIX}").is_file()
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

GRID_FOLDERS = {1: 1, 2: 3, 3: 2}
"""Speaker -> the folder its alignments are written into: s2's and s3's swapped, [1, 9] inert."""


@pytest.fixture(scope="module")
def grid_generated(tmp_path_factory):
    """Three GRID-like speakers x one clip, generated once for the module's tests."""
    folder = tmp_path_factory.mktemp("grid_synth") / "project"
    return generate(folder, make_grid_project(folder))


def test_grid_clips_are_planned_from_params_alone(tmp_path):
    params = make_grid_project(tmp_path, grid_clips_per_speaker=2)
    planned = synth.planned_clips(params)
    assert planned == synth.planned_clips(make_grid_project(tmp_path / "again", grid_clips_per_speaker=2))
    assert [p.split("/")[0] for p in planned] == ["s1", "s1", "s2", "s2", "s3", "s3"]
    codes = [Path(p).stem for p in planned]
    assert all(grid.is_name(code) and p.endswith(".mpg") for code, p in zip(codes, planned))
    assert codes[0] != codes[1] and codes[2] != codes[3]
    assert synth.planned_clips({**params, "seed": params["seed"] + 1}) != planned
    assert not (tmp_path / "data" / "corpus").exists()
    with pytest.raises(StageError, match="extra_sentences"):
        synth.planned_clips({**params, "synth": {**params["synth"], "extra_sentences": "extra.tsv"}})


def test_misplaced_alignment_pairs_swap_folders_and_out_of_range_pairs_do_nothing(tmp_path):
    params = make_grid_project(tmp_path)
    assert synth.alignment_folders(params) == GRID_FOLDERS
    assert synth.align_path(params, Path("root"), "s2/bbaf2n") == Path("root/s3/align/bbaf2n.align")
    lone = {**params, "synth": {**params["synth"], "speakers": 2}}
    assert synth.alignment_folders(lone) == {1: 1, 2: 2}
    twice = {**params, "synth": {**params["synth"], "grid_misplaced_alignments": [[1, 2], [2, 3]]}}
    with pytest.raises(StageError, match="speaker 2 is in more than one"):
        synth.alignment_folders(twice)


def test_grid_clips_are_3_s_mpeg1_at_25_fps_with_audio(grid_generated):
    folder, params = grid_generated
    for relpath in synth.planned_clips(params):
        video = folder / "data" / "corpus" / relpath
        info = media.probe(video)
        assert info["container"] == "mpeg"
        assert (info["video_streams"], info["audio_streams"]) == (1, 1)
        assert (info["video_codec"], info["audio_codec"], info["audio_sample_rate"]) == ("mpeg1video", "mp2", 44100)
        assert (info["width"], info["height"], info["frames"]) == (360, 288, grid.FRAMES)
        assert info["measured_fps"] == pytest.approx(grid.FPS, rel=0.01)
        truth = read_json(video.with_name(video.stem + synth.TRUTH_SUFFIX))
        assert (truth["fps"], truth["duration"], truth["language"]) == (25.0, 3.0, "eng")
        assert [w["word"] for w in truth["words"]] == grid.words(video.stem)


def test_grid_alignments_say_the_name_cover_the_clip_and_follow_the_truth(grid_generated):
    folder, params = grid_generated
    root = folder / "data" / "corpus"
    for relpath in synth.planned_clips(params):
        speaker, code = relpath.removesuffix(".mpg").split("/")
        align = root / f"s{GRID_FOLDERS[int(speaker[1:])]}" / "align" / f"{code}.align"
        segments = alignfile.read_align(align)
        assert alignfile.spoken_words(segments) == grid.words(code)
        assert segments[0].begin == 0 and segments[-1].end == 75000
        assert segments[0].word == segments[-1].word == "sil"
        assert all(a.end == b.begin and a.begin < a.end for a, b in zip(segments, segments[1:]))
        truth = read_json(root / speaker / f"{code}{synth.TRUTH_SUFFIX}")
        spoken = [s for s in segments if s.word not in alignfile.SILENCE_TOKENS]
        for word, segment in zip(truth["words"], spoken):
            assert abs(segment.begin / 1000 - word["start"] * 25) <= 0.5 + 1e-6


def test_only_the_misplaced_pair_has_its_alignments_in_the_partner_folder(grid_generated):
    folder, params = grid_generated
    root = folder / "data" / "corpus"
    expected = {f"s{GRID_FOLDERS[int(p[1])]}/align/{Path(p).stem}.align" for p in synth.planned_clips(params)}
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
    relpath = synth.planned_clips(params)[1]                      # s2's clip, its .align in s3/align
    code = Path(relpath).stem
    unswapped = {**params, "synth": {**params["synth"], "grid_misplaced_alignments": []}}
    stale = tmp_path / "again" / "s3" / "align" / f"{code}.align"
    stale.parent.mkdir(parents=True)
    stale.write_text("0 75000 sil\n")
    details = synth.synthesize_clip(unswapped, relpath, tmp_path / "again")
    assert details["align"] == str(tmp_path / "again" / "s2" / "align" / f"{code}.align")
    assert not stale.exists()
    original = folder / "data" / "corpus"
    for name in (relpath, relpath.replace(".mpg", synth.TRUTH_SUFFIX)):
        assert (tmp_path / "again" / name).read_bytes() == (original / name).read_bytes()
    assert Path(details["align"]).read_bytes() == (original / "s3" / "align" / f"{code}.align").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("corpus, frames_per_clip", [("generated", None), ("grid_generated", grid.FRAMES)])
def test_dlib_finds_one_face_in_the_frames(corpus, frames_per_clip, request):
    folder, params = request.getfixturevalue(corpus)
    counts = []
    for relpath in synth.planned_clips(params):
        frames = decode(folder / "data" / "corpus" / relpath)
        assert frames_per_clip in (None, len(frames))
        counts += [len(face.detect_faces(frame)) for frame in frames[::3]]
    assert np.mean(np.array(counts) == 1) >= 0.99


@pytest.mark.slow
def test_cli_makes_one_grid_clip_by_its_key(tmp_path):
    params = make_grid_project(tmp_path, speakers=1)
    key = synth.planned_clips(params)[0].removesuffix(".mpg")
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", key],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    root = tmp_path / "data" / "corpus"
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == {
        f"{key}.mpg", f"{key}{synth.TRUTH_SUFFIX}", f"s1/align/{key.split('/')[1]}.align"}
    assert read_json(tmp_path / "data" / "synth" / f"{key}.record.json")["status"] == "ok"
