from itertools import pairwise

import pytest

from lipflow import alignfile
from lipflow.alignfile import Segment


def sync_map(*fragments):
    head = {"begin": "0.000", "end": "0.000", "id": "HEAD", "lines": []}
    body = [{"begin": b, "end": e, "lines": [w]} for b, e, w in fragments]
    tail = {"begin": fragments[-1][1], "end": fragments[-1][1], "id": "TAIL", "lines": []}
    return {"fragments": [head, *body, tail]}


def test_seconds_become_thousandths_of_a_frame_by_decimal_rounding():
    # int(1.160 * 25 * 1000) is 28999 in floating point: the original's bug.
    assert alignfile.seconds_to_units("1.160", 25) == 29000
    assert alignfile.seconds_to_units(1.16, 25) == 29000
    assert alignfile.seconds_to_units("0.019", 25) == 475
    assert alignfile.seconds_to_units("0.49998", 25) == 12500      # 12499.5 rounds half up
    assert alignfile.seconds_to_units("0.49997", 25) == 12499      # 12499.25 rounds down
    assert alignfile.seconds_to_units("2.9980", 25) == 74950


def test_from_aeneas_keeps_sub_frame_boundaries_contiguous_and_covering_the_clip():
    segments = alignfile.from_aeneas(
        sync_map(("0.000", "0.490", "sil"), ("0.490", "1.163", "perfetto"), ("1.163", "1.300", "due"),
                 ("1.300", "3.950", "sil")),
        fps=25, frames=100,
    )
    assert segments == [
        Segment(0, 12250, "sil"), Segment(12250, 29075, "perfetto"),
        Segment(29075, 32500, "due"), Segment(32500, 100000, "sil"),
    ]
    assert all(a.end == b.begin for a, b in pairwise(segments))


def test_from_aeneas_clamps_the_last_end_to_the_clip():
    segments = alignfile.from_aeneas(sync_map(("0.000", "0.480", "a"), ("0.480", "3.013", "b")), fps=25, frames=75)
    assert segments[-1] == Segment(12000, 75000, "b")
    with pytest.raises(alignfile.AlignError, match="after the clip"):
        alignfile.from_aeneas(sync_map(("0.000", "3.020", "a"), ("3.020", "3.5", "b")), fps=25, frames=75)


def test_empty_silences_are_dropped_even_after_the_clip_but_empty_words_kept():
    # silence: fragments on audio longer than the video: aeneas puts an empty "sil" at the audio's end
    segments = alignfile.from_aeneas(sync_map(("0.000", "0.480", "sil"), ("0.480", "0.480", "a"), ("0.480", "2.5", "b"),
                                              ("2.5", "2.9", "sp"), ("2.9", "3.0", "sil"), ("3.0", "3.2", "sil"),
                                              ("3.2", "3.2", "sil")),
                                     fps=25, frames=75)
    assert segments == [Segment(0, 12000, "sil"), Segment(12000, 12000, "a"), Segment(12000, 62500, "b"),
                        Segment(62500, 72500, "sp"), Segment(72500, 75000, "sil")]


def test_overlapping_fragments_never_overlap_after_conversion():
    segments = alignfile.from_aeneas(sync_map(("0.000", "0.500", "a"), ("0.400", "0.450", "b"),
                                              ("0.450", "1.0", "c")), 25)
    assert [(s.begin, s.end) for s in segments] == [(0, 12500), (12500, 12500), (12500, 25000)]


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


def test_sub_frame_round_trip_from_aeneas_seconds_to_file_and_back(tmp_path):
    """aeneas seconds -> nearest 1/1000 frame -> .align text -> the same integers, GRID's unit."""
    seconds = [("0.000", "0.9500", None), ("0.9500", "1.1800", "bin"), ("1.1800", "1.3604", "blue"),
               ("1.3604", "1.42002", "at"), ("1.42002", "2.9980", None)]
    fragments = [{"begin": b, "end": e, "lines": [w] if w else []} for b, e, w in seconds]
    segments = alignfile.from_aeneas({"fragments": fragments}, fps=25)
    assert [(s.begin, s.end) for s in segments] == [
        (0, 23750), (23750, 29500), (29500, 34010), (34010, 35501), (35501, 74950)]
    path = tmp_path / "clip.align"
    path.write_text(alignfile.format_align(segments))
    assert path.read_text().splitlines()[2] == "29500 34010 blue"
    assert alignfile.read_align(path) == segments
    grid_style = "0 23750 sil\n23750 29500 bin\n29500 34000 blue\n34000 35500 at\n35500 74500 sil\n"
    assert alignfile.format_align(alignfile.parse_align(grid_style)) == grid_style


def test_boundary_errors_in_frames_against_a_reference_ignore_silences():
    reference = alignfile.parse_align("0 23750 sil\n23750 29500 bin\n29500 30000 sp\n"
                                      "30000 34000 blue\n34000 75000 sil\n")
    aligned = [Segment(0, 24000, "sil"), Segment(24000, 29000, "bin"), Segment(29000, 34010, "blue"),
               Segment(34010, 75000, "sil")]
    assert alignfile.boundary_errors(aligned, reference) == pytest.approx([0.25, 0.5, 1.0, 0.01])
    truth = alignfile.word_segments([{"word": "bin", "start": 0.95, "end": 1.18}], 25)
    assert truth == [Segment(23750, 29500, "bin")]
    with pytest.raises(ValueError, match="differ"):
        alignfile.boundary_errors(aligned, truth)


@pytest.mark.parametrize("line", ["0 10", "a b c", "10 5 word"])
def test_parse_rejects_malformed_lines(line):
    with pytest.raises(alignfile.AlignError, match="line 1"):
        alignfile.parse_align(line)


def test_from_word_times_keeps_the_truth_to_a_thousandth_of_a_frame_with_sil_and_sp():
    words = [("bin", 0.41, 0.655), ("blue", 0.655, 0.97), ("at", 1.05, 1.2), ("f", 1.21, 1.5)]
    segments = alignfile.from_word_times(words, fps=25, frames=75)
    assert segments == [
        Segment(0, 10250, "sil"), Segment(10250, 16375, "bin"), Segment(16375, 24250, "blue"),
        Segment(24250, 26250, "sp"), Segment(26250, 30000, "at"), Segment(30000, 30250, "sp"),
        Segment(30250, 37500, "f"), Segment(37500, 75000, "sil"),
    ]
    assert all(a.end == b.begin for a, b in pairwise(segments))
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


# Properties (hypothesis): any contiguous segmentation survives writing and reading

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WORD = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=12)


@given(st.lists(st.tuples(st.integers(0, 5000), WORD), min_size=1, max_size=12), st.integers(0, 1000))
def test_an_align_file_round_trips(pieces, start):
    segments, begin = [], start
    for length, word in pieces:
        segments.append(Segment(begin, begin + length, word))
        begin += length
    assert alignfile.parse_align(alignfile.format_align(segments)) == segments


@given(st.floats(0, 100, allow_nan=False), st.sampled_from([25.0, 29.97, 30.0]))
def test_seconds_become_the_nearest_unit(seconds, fps):
    units = alignfile.seconds_to_units(seconds, fps)
    assert abs(units - seconds * fps * alignfile.FRAME_UNIT) <= 0.5 + 1e-6 * max(1.0, seconds * fps * 1000)
