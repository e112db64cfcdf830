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
