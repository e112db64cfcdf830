import dataclasses
from pathlib import Path

import numpy as np
import pytest

from lipflow import grid
from lipflow import params as params_mod
from lipflow.synth import corpus, face
from lipflow.synth.visemes import viseme

REPO = Path(__file__).resolve().parents[2]
SEED = 7


@pytest.fixture(scope="module")
def settings():
    return params_mod.load(REPO / "params.yaml")["synth"]


def test_speakers_come_from_seed_and_index_alone(settings):
    first = corpus.speaker(SEED, 2, settings)
    assert corpus.speaker(SEED, 2, settings) == first
    assert first.initials == corpus.initials(SEED, 2)
    assert corpus.speaker(SEED, 3, settings) != first
    assert corpus.speaker(SEED + 1, 2, settings) != first
    assert first.frame_rate in corpus.FRAME_RATES and first.encoding in corpus.ENCODINGS


def test_speakers_have_different_faces():
    order = [corpus._identity(SEED, k) for k in range(1, 11)]
    assert len(set(order)) == len(order)


def dark_area(frames: np.ndarray, mouth) -> np.ndarray:
    """Pixels of the dark mouth cavity near the drawn mouth, per frame."""
    x, y = (int(round(c)) for c in mouth.centre)
    half = int(mouth.width)
    region = frames[:, y - half:y + half, x - half:x + half].astype(int)
    return (region.sum(axis=3) < 150).sum(axis=(1, 2))


def frames_during(truth: dict, visemes: set[str], count: int) -> list[int]:
    """Frames whose whole exposure lies inside a phone of one of ``visemes``."""
    fps = truth["fps"]
    chosen = []
    for phone in truth["phonemes"]:
        if phone["viseme"] in visemes:
            chosen += [i for i in range(count) if phone["start"] <= i / fps and (i + 1) / fps <= phone["end"]]
    return chosen


def test_mouth_opens_for_a_and_closes_for_p_b_m(settings):
    sentence = "Buongiorno, io sono Mario, prendiamo un caffè al bar?"
    for index in (1, 2):
        who = corpus.speaker(SEED, index, settings)
        rendered = corpus.render(SEED, settings, "ita", who, "x", sentence)
        _, mouth = corpus.prepared_face(who.look, settings["width"], settings["height"], "cartoon")
        area = dark_area(rendered.frames, mouth)
        closed = frames_during(rendered.truth, {"p", "b", "m"}, len(area))
        opened = frames_during(rendered.truth, {"a"}, len(area))
        assert closed and opened
        assert np.median(area[closed]) < np.median(area[opened])
        assert area[closed].mean() < 0.5 * area[opened].mean()


def test_truth_matches_the_rendering(settings):
    who = corpus.speaker(SEED, 1, settings)
    rendered = corpus.render(SEED, settings, "ita", who, "18", "Prego.")
    truth = rendered.truth
    assert len(rendered.frames) == round(settings["duration"] * truth["fps"])
    assert len(rendered.audio) == round(settings["duration"] * rendered.sample_rate)
    assert settings["lead_in_min"] <= truth["lead_in"] <= settings["lead_in_max"]
    assert truth["words"][0]["start"] >= truth["lead_in"]
    assert all(p["viseme"] == viseme(p["phoneme"]) for p in truth["phonemes"])
    before = rendered.audio[: int(truth["lead_in"] * rendered.sample_rate)]
    assert not before.any()


def test_speech_too_long_for_the_clip_is_sped_up_or_refused(settings):
    who = corpus.speaker(SEED, 1, settings)
    long_sentence = "Purtroppo non lo so, però potresti chiedere all'autista."
    short = {**settings, "duration": 3.0}
    rendered = corpus.render(SEED, short, "ita", who, "16", long_sentence)
    assert rendered.truth["speaker"]["voice"]["rate"] > who.voice.rate
    assert rendered.truth["words"][-1]["end"] <= 3.0 - settings["lead_in_min"] + 1e-6
    with pytest.raises(corpus.SynthError, match="does not fit"):
        corpus.render(SEED, {**settings, "duration": 0.8}, "ita", who, "16", long_sentence)


def test_the_schema_allows_as_many_speakers_as_there_are_faces():
    assert params_mod.schema()["properties"]["synth"]["properties"]["speakers"]["maximum"] == len(face.IDENTITIES)
    with pytest.raises(corpus.SynthError, match="one per speaker"):
        corpus._identity(SEED, len(face.IDENTITIES) + 1)


def test_grid_speakers_are_the_same_people_recorded_as_grid_was(settings):
    italian, english = corpus.speaker(SEED, 2, settings), corpus.grid_speaker(SEED, 2, settings)
    assert (english.voice, english.look, english.initials) == (italian.voice, italian.look, italian.initials)
    assert (english.frame_rate, english.encoding) == ("25", corpus.GRID_ENCODING)
    assert corpus.ENCODINGS[corpus.GRID_ENCODING].container == "mpeg"
    # Italian speakers still record with a browser, never GRID's camera
    assert {corpus.speaker(SEED, k, settings).encoding for k in range(1, 9)} <= set(corpus.BROWSER_ENCODINGS)
    assert corpus.grid_settings(settings)["duration"] == grid.FRAMES / grid.FPS == 3.0


def test_drawn_sentences_are_distinct_and_come_from_seed_and_index_alone():
    table = list(grid.sentence_table())
    codes = corpus.drawn_sentences(SEED, 1, table, 20)
    assert codes == corpus.drawn_sentences(SEED, 1, table[::-1], 20) and len(set(codes)) == 20
    assert all(grid.is_name(code) for code in codes) and codes == sorted(codes)
    assert (corpus.drawn_sentences(SEED, 2, table, 20) != codes
            and corpus.drawn_sentences(SEED + 1, 1, table, 20) != codes)
    with pytest.raises(corpus.SynthError, match="1 to 64000 different sentences"):
        corpus.drawn_sentences(SEED, 1, table, 0)


def test_a_grid_clip_is_three_seconds_of_english(settings):
    who = corpus.grid_speaker(SEED, 1, settings)
    rendered = corpus.render(SEED, corpus.grid_settings(settings), "eng", who, "bbaf2n", grid.sentence("bbaf2n"))
    assert len(rendered.frames) == grid.FRAMES and rendered.truth["fps"] == grid.FPS
    assert len(rendered.audio) == 3 * rendered.sample_rate
    assert [w["word"] for w in rendered.truth["words"]] == grid.words("bbaf2n")
    assert rendered.truth["language"] == "eng" and rendered.truth["words"][-1]["end"] < 3.0


def test_checked_faces_are_remembered_across_processes_without_dlib(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("LIPFLOW_CACHE", str(tmp_path))
    look = corpus.speaker(SEED, 4, settings).look
    first = corpus.prepared_face.__wrapped__(look, settings["width"], settings["height"], "cartoon")
    assert len(list((tmp_path / "faces").glob("*.json"))) == 1

    def no_dlib():
        raise AssertionError("dlib loaded although the checked face is cached")

    monkeypatch.setattr(face, "models", no_dlib)
    again = corpus.prepared_face.__wrapped__(look, settings["width"], settings["height"], "cartoon")
    assert np.array_equal(again[0], first[0]) and again[1] == first[1]
    other_lips = dataclasses.replace(look, lip_bgr=tuple(255 - v for v in look.lip_bgr))
    with pytest.raises(AssertionError, match="dlib loaded"):
        corpus.prepared_face.__wrapped__(other_lips, settings["width"], settings["height"], "cartoon")
