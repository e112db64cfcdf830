"""Split assignment on hand-made rows: the GRID papers' presets."""

from __future__ import annotations

import pytest

from lipflow import grid
from lipflow.splitfile import EXCLUDED, Row
from lipflow.splitting import SplitError, assign


def grid_rows(speakers: list[str], per_speaker: int) -> list[Row]:
    names = sorted(grid.sentence_table())[:per_speaker]
    return [Row(clip=f"{s}/{n}", speaker=s, sentence_id=n, label="x", split=EXCLUDED, reason="")
            for s in speakers for n in names]


def grid_settings(mode: str, **changes) -> dict:
    settings = {"mode": mode, "val_fraction": 0.2, "test_fraction": 0.0, "val_speakers": [], "test_speakers": [],
                "overlapped_test_clips": 3, "lists": {"train": None, "val": None, "test": None}}
    return {**settings, **changes}


def test_grid_unseen_preset_tests_lipnets_speakers():
    table = assign(grid_rows(["s1", "s2", "s3", "s4", "s20", "s22"], 10), grid_settings("grid_unseen"), 1)
    tested = {row.speaker for row in table if row.split == "test"}
    assert tested == {"s1", "s2", "s20", "s22"}
    assert sum(row.split == "val" for row in table) == 4 and sum(row.split == "train" for row in table) == 16


def test_grid_reference_preset_leaves_out_other_speakers_by_name():
    table = assign(grid_rows(["s8", "s13", "s19", "s5"], 5), grid_settings("grid_reference"), 1)
    by_speaker = {}
    for row in table:
        by_speaker.setdefault(row.speaker, set()).add(row.split)
    assert by_speaker == {"s8": {"train", "val"}, "s19": {"train", "val"}, "s13": {"test"}, "s5": {"excluded"}}
    assert all("not in the grid_reference split" in row.reason for row in table if row.speaker == "s5")


def test_grid_overlapped_preset_holds_out_clips_of_every_speaker():
    table = assign(grid_rows(["s1", "s2"], 10), grid_settings("grid_overlapped"), 1)
    for speaker in ("s1", "s2"):
        assert sum(row.split == "test" for row in table if row.speaker == speaker) == 3
    assert assign(grid_rows(["s1", "s2"], 10), grid_settings("grid_overlapped"), 1) == table
    with pytest.raises(SplitError, match="s1 has only 10"):
        assign(grid_rows(["s1", "s2"], 10), grid_settings("grid_overlapped", overlapped_test_clips=10), 1)


def test_grid_preset_without_its_test_speakers_is_refused():
    with pytest.raises(SplitError, match="test empty"):
        assign(grid_rows(["s3", "s4"], 5), grid_settings("grid_unseen"), 1)
