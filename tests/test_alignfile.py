import pytest

from lipflow import alignfile
from lipflow.alignfile import Segment


def sync_map(*fragments):
    head = {"begin": "0.000", "end": "0.000", "id": "HEAD", "lines": []}
    body = [{"begin": b, "end": e, "lines": [w]} for b, e, w in fragments]
    tail = {"begin": fragments[-1][1], "end": fragments[-1][1], "id": "TAIL", "lines": []}
    return {"fragments": [head, *body, tail]}


def test_rounds_to_frames_instead_of_truncating():
    # int(1.160 * 25 * 1000) is 28999 in floating point: the original's bug.
    assert alignfile.seconds_to_frame("1.160", 25) == 29
    assert alignfile.seconds_to_frame(1.16, 25) == 29
    assert alignfile.seconds_to_frame("0.019", 25) == 0
    assert alignfile.seconds_to_frame("0.020", 25) == 1


def test_from_aeneas_is_contiguous_and_covers_the_clip():
    segments = alignfile.from_aeneas(
        sync_map(("0.000", "0.480", "sil"), ("0.480", "1.160", "perfetto"), ("1.160", "1.300", "due"),
                 ("1.300", "3.950", "sil")),
        fps=25, frames=100,
    )
    assert segments == [
        Segment(0, 12000, "sil"), Segment(12000, 29000, "perfetto"),
        Segment(29000, 33000, "due"), Segment(33000, 100000, "sil"),
    ]
    assert all(a.end == b.begin for a, b in zip(segments, segments[1:]))


def test_overlapping_fragments_never_overlap_after_conversion():
    segments = alignfile.from_aeneas(sync_map(("0.000", "0.500", "a"), ("0.400", "0.450", "b"), ("0.450", "1.0", "c")), 25)
    assert [(s.begin, s.end) for s in segments] == [(0, 13000), (13000, 13000), (13000, 25000)]


def test_rejects_empty_and_multiword_fragments():
    with pytest.raises(alignfile.AlignError):
        alignfile.from_aeneas({"fragments": []}, 25)
    with pytest.raises(alignfile.AlignError, match="one word"):
        alignfile.from_aeneas({"fragments": [{"begin": "0", "end": "1", "lines": ["two words"]}]}, 25)


def test_format_parse_round_trip_and_transcript():
    segments = [Segment(0, 12000, "sil"), Segment(12000, 20000, "bin"), Segment(20000, 21000, "sp"),
                Segment(21000, 75000, "blue")]
    assert alignfile.parse_align(alignfile.format_align(segments)) == segments
    assert alignfile.spoken_words(segments) == ["bin", "blue"]


@pytest.mark.parametrize("line", ["0 10", "a b c", "10 5 word"])
def test_parse_rejects_malformed_lines(line):
    with pytest.raises(alignfile.AlignError, match="line 1"):
        alignfile.parse_align(line)


def test_from_word_times_frames_the_truth_with_sil_and_sp():
    words = [("bin", 0.41, 0.655), ("blue", 0.655, 0.97), ("at", 1.05, 1.2), ("f", 1.21, 1.5)]
    segments = alignfile.from_word_times(words, fps=25, frames=75)
    assert segments == [
        Segment(0, 10000, "sil"), Segment(10000, 16000, "bin"), Segment(16000, 24000, "blue"),
        Segment(24000, 26000, "sp"), Segment(26000, 30000, "at"), Segment(30000, 38000, "f"),
        Segment(38000, 75000, "sil"),
    ]
    # "at" to "f": a gap of under half a frame rounds away, so no empty sp between them
    assert all(a.end == b.begin for a, b in zip(segments, segments[1:]))
    assert alignfile.spoken_words(segments) == ["bin", "blue", "at", "f"]


def test_from_word_times_keeps_every_word_a_frame_and_drops_empty_silences():
    segments = alignfile.from_word_times([("a", 0.0, 0.01), ("b", 0.01, 0.02), ("c", 0.02, 3.0)], 25, 75)
    assert segments == [Segment(0, 1000, "a"), Segment(1000, 2000, "b"), Segment(2000, 75000, "c")]


def test_from_word_times_refuses_what_cannot_be_an_align_file():
    with pytest.raises(alignfile.AlignError, match="no words"):
        alignfile.from_word_times([], 25, 75)
    with pytest.raises(alignfile.AlignError, match="after the clip"):
        alignfile.from_word_times([("bin", 0.5, 3.5)], 25, 75)
    with pytest.raises(alignfile.AlignError, match="one spoken word"):
        alignfile.from_word_times([("sil", 0.5, 1.0)], 25, 75)
