"""The realistic mouth hides what real lips hide and shows what they show (issue 19's check)."""

from __future__ import annotations

import pytest

from lipflow.datasets import project_sentences
from lipflow.params import load
from lipflow.synth import corpus, face, visibility
from lipflow.synth.plan import spoken_sentences
from tests.conftest import REPO

STUDY = REPO / "studies" / "realistic" / "params.yaml"
CHANCE_MARGIN = 0.05
OPEN_FROM_CLOSED = 0.9
CLASSES = ["p", "b", "m"]


def frames(mouth: str) -> visibility.Frames:
    params = load(STUDY)
    table = project_sentences(params, STUDY.parent)
    texts = {k: [table[i] for i in ids] for k, ids in spoken_sentences(params, STUDY.parent).items()}
    return visibility.phoneme_frames(params["seed"], {**params["synth"], "mouth": mouth},
                                     params["dataset"]["language"], texts, {*CLASSES, "a"})


@pytest.mark.slow
def test_realistic_frames_hide_p_b_m_and_show_an_open_mouth():
    realistic = frames("realistic")
    homophenes, chance, scored = visibility.held_out_accuracy(realistic, CLASSES, seed=1)
    assert scored >= 200
    assert abs(homophenes - chance) <= CHANCE_MARGIN, f"p/b/m told apart {homophenes:.1%} (chance {chance:.1%})"
    open_closed, _, _ = visibility.held_out_accuracy(realistic, ["p", "a"], seed=1)
    assert open_closed > OPEN_FROM_CLOSED, f"p against a only {open_closed:.1%}"


@pytest.mark.slow
def test_the_cartoon_mouth_shows_what_real_lips_hide():
    """The same measurement tells the drawn p, b and m apart better than chance allows: the check can fail."""
    homophenes, chance, _ = visibility.held_out_accuracy(frames("cartoon"), CLASSES, seed=1)
    assert homophenes > chance + CHANCE_MARGIN


@pytest.mark.slow
def test_dlib_finds_the_realistic_face_on_nearly_every_frame():
    params = load(STUDY)
    settings = {**params["synth"], "mouth": "realistic"}
    table = project_sentences(params, STUDY.parent)
    spoken = spoken_sentences(params, STUDY.parent)
    found = total = 0
    for index in (1, 4, 7, 10):
        who = corpus.speaker(params["seed"], index, settings)
        sentence_id = spoken[index][0]
        rendered = corpus.render(params["seed"], settings, params["dataset"]["language"], who, sentence_id,
                                 table[sentence_id])
        found += sum(len(face.detect_faces(frame)) == 1 for frame in rendered.frames)
        total += len(rendered.frames)
        assert rendered.truth["speaker"]["style"] and {p["class"] for p in rendered.truth["phonemes"]}
    assert found / total >= 0.99, f"a face on {found} of {total} frames"
