"""The GRID grammar, its file names, and finding misplaced alignment folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipflow import alignfile, grid
from lipflow.errors import StageError
from tests.conftest import SHARED


@pytest.mark.parametrize("name, sentence", [
    ("bbaf2n", "bin blue at f two now"),
    ("lbax4n", "lay blue at x four now"),
    ("pwij3p", "place white in j three please"),
    ("srbzza", "set red by z zero again"),
])
def test_a_name_spells_its_sentence_and_back(name, sentence):
    assert grid.sentence(name) == sentence
    assert grid.name_of(sentence.split()) == name


@pytest.mark.parametrize("name", ["bbawzn", "bbaf0n", "xbaf2n", "bbaf2", "bbaf2nn", "BBAF2N", "1-AB"])
def test_names_outside_the_grammar_are_refused(name):
    assert not grid.is_name(name)
    with pytest.raises(grid.GridError):
        grid.words(name)


def test_a_sentence_outside_the_grammar_has_no_name():
    with pytest.raises(grid.GridError, match="word 2"):
        grid.name_of("bin purple at f two now".split())
    with pytest.raises(grid.GridError, match="6"):
        grid.name_of("bin blue at f two".split())


def test_the_sentence_table_holds_every_grid_sentence():
    table = grid.sentence_table()
    assert len(table) == 4 * 4 * 4 * 25 * 10 * 4 == 64000
    assert table["bbaf2n"] == "bin blue at f two now"
    assert all(grid.is_name(name) for name in table)


def sources(videos, folders):
    paths = {speaker: Path(f"/grid/{speaker}/align") for speaker in folders}
    return grid.alignment_sources(videos, folders, paths)


def test_own_folders_are_kept():
    found = sources({"s1": {"bbaf2n", "lbax4n"}, "s2": {"pwij3p"}},
                    {"s1": {"bbaf2n", "lbax4n"}, "s2": {"pwij3p", "bbaf2n"}})
    assert found["s1"].filed_under == "s1" and not found["s1"].remapped
    assert found["s2"].folder == Path("/grid/s2/align") and found["s2"].matching == 1


def test_swapped_folders_are_remapped_despite_chance_overlap():
    s18, s19 = {"bbaf2n", "lbax4n", "pwij3p", "sgaz1a"}, {"bbaf2n", "lrbe5s", "pgib6n", "swwa7p"}
    found = sources({"s18": s18, "s19": s19}, {"s18": s19, "s19": s18})
    assert found["s18"].filed_under == "s19" and found["s18"].remapped
    assert found["s19"].filed_under == "s18" and found["s19"].matching == 4
    assert "s19's alignments found in s18's folder" in found["s19"].describe()


def test_a_speaker_no_folder_matches_is_reported():
    found = sources({"s5": {"bbaf2n"}}, {"s1": {"lbax4n"}})
    assert found["s5"].folder is None
    assert "no alignment folder matches s5" in found["s5"].describe()


def test_a_shipped_alignment_keeps_grids_sub_frame_times():
    """GRID's own file (1/1000 frame, boundaries between frames) passes the check unchanged."""
    shipped = SHARED / "fixtures" / "grid_aligned" / "bbaf2n.align"
    segments = grid.checked_segments(shipped, "bbaf2n", grid.FRAMES)
    assert alignfile.format_align(segments) == shipped.read_text()
    assert [(s.begin, s.word) for s in segments[:3]] == [(0, "sil"), (23750, "bin"), (29500, "blue")]
    with pytest.raises(StageError, match="after the clip's 50 frames"):
        grid.checked_segments(shipped, "bbaf2n", 50)
