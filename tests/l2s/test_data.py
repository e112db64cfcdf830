"""The reference mel: another utterance of the same voice, never the target itself."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lipflow.l2s.data import draw_references, reference_candidates
from lipflow.splitfile import Row

ROWS = [Row("s1/a", "s1", "a", "x", "train"), Row("s1/b", "s1", "b", "x", "train"),
        Row("s1/c", "s1", "c", "x", "val"), Row("s2/a", "s2", "a", "x", "test"),
        Row("s2/b", "s2", "b", "x", "test"), Row("s3/a", "s3", "a", "x", "val"), Row("s4/a", "s4", "a", "x", "test")]


def test_a_reference_is_the_same_speaker_in_the_same_part_when_it_can_be():
    candidates = reference_candidates(ROWS, ROWS)
    assert [ROWS[i].clip for i in candidates[0]] == ["s1/b"]
    assert [ROWS[i].clip for i in candidates[3]] == ["s2/b"]


def test_a_lone_clip_in_its_part_takes_its_speakers_clips_from_other_parts():
    assert sorted(ROWS[i].clip for i in reference_candidates(ROWS, ROWS)[2]) == ["s1/a", "s1/b"]


def test_only_a_speaker_with_a_single_clip_is_its_own_reference():
    candidates = reference_candidates(ROWS, ROWS)
    assert candidates[5] == [5] and candidates[6] == [6]


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["train", "val", "test"])), min_size=1, max_size=30),
       st.integers(-2**63, 2**63 - 1))
def test_drawn_references_share_the_speaker_and_differ_from_the_clip_when_another_exists(specs, seed):
    rows = [Row(f"s{speaker}/{index}", f"s{speaker}", str(index), "x", part)
            for index, (speaker, part) in enumerate(specs)]
    drawn = draw_references(reference_candidates(rows, rows), seed)
    for row, choice in zip(rows, drawn, strict=True):
        assert rows[choice].speaker == row.speaker
        if sum(other.speaker == row.speaker for other in rows) > 1:
            assert rows[choice].clip != row.clip
    assert list(drawn) == list(draw_references(reference_candidates(rows, rows), seed))
