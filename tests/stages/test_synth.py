import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from lipflow import media, params as params_mod, text
from lipflow.files import read_json
from lipflow.records import StageError
from lipflow.stages import synth
from lipflow.stages.mouth import decode
from lipflow.synth import corpus, face

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = {"webm": "matroska,webm", "mp4": "mov,mp4,m4a,3gp,3g2,mj2"}


def make_project(folder: Path, **synth_settings) -> dict:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["dataset"].update(kind="synthetic", root="data/corpus")
    params["synth"].update({"speakers": 2, "sentence_ids": ["13", "18"], **synth_settings})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    return params_mod.load(folder / "params.yaml")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Two speakers x two sentences, generated once for the module's tests."""
    folder = tmp_path_factory.mktemp("synth") / "project"
    params = make_project(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        records = synth.run_all(params)
    assert all(r.ok for r in records), [r.reason for r in records if not r.ok]
    return folder, params


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


@pytest.mark.slow
def test_dlib_finds_one_face_in_the_frames(generated):
    folder, params = generated
    counts = []
    for relpath in synth.planned_clips(params):
        frames = decode(folder / "data" / "corpus" / relpath)
        counts += [len(face.detect_faces(frame)) for frame in frames[::3]]
    assert np.mean(np.array(counts) == 1) >= 0.99


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
    params = make_project(tmp_path, speakers=1, sentence_ids=["18"])
    key = synth.planned_clips(params)[0].removesuffix(".mpg")
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", key],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "corpus" / f"{key}.mpg").is_file()
    assert (tmp_path / "data" / "corpus" / f"{key}{synth.TRUTH_SUFFIX}").is_file()
    run = subprocess.run([sys.executable, "-m", "lipflow", "synth", "--clip", "s1/18-ZZ"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert "not a planned clip" in run.stderr
    assert not (tmp_path / "data" / "corpus" / "s1" / "18-ZZ.mpg").exists()
