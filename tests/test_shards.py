"""Shards: which job of a per-clip stage takes a clip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lipflow import shards
from lipflow.pipeline import STAGES

AUTO = {"count": "auto", "clips_per_shard": 24, "max_count": 128}
KEYS = st.lists(st.from_regex(r"s[0-9]{1,2}/[a-z0-9]{1,6}-[A-Z]{2}", fullmatch=True), unique=True, max_size=60)


@pytest.mark.parametrize("clips, count", [(0, 1), (1, 1), (24, 1), (47, 1), (48, 2), (190, 4), (990, 32), (8250, 128),
                                          (33_000, 128)])
def test_auto_count_is_a_power_of_two_with_enough_clips_each_capped(clips, count):
    assert shards.count(clips, AUTO) == count


def test_a_fixed_count_is_taken_as_given():
    assert shards.count(190, {**AUTO, "count": 3}) == 3


@given(KEYS, st.sampled_from([1, 2, 4, 8]))
def test_every_clip_lands_in_exactly_one_shard(keys, count):
    parts = shards.partition(keys, count)
    assert len(parts) == count and sorted(k for part in parts for k in part) == sorted(keys)


@given(KEYS, st.from_regex(r"s[0-9]{3}/new-[A-Z]{2}", fullmatch=True))
def test_adding_a_clip_changes_only_its_own_shard(keys, new):
    before, after = shards.partition(keys, 8), shards.partition([*keys, new], 8)
    changed = [i for i in range(8) if before[i] != after[i]]
    assert changed == [shards.index_of(new, 8)]


@given(KEYS)
def test_doubling_the_count_splits_each_shard_in_two(keys):
    for index, part in enumerate(shards.partition(keys, 4)):
        assert {shards.index_of(key, 8) for key in part} <= {index, index + 4}


def test_shard_names_round_trip_and_bad_ones_are_refused():
    assert shards.parse(shards.name(3, 8)) == (3, 8)
    for bad in ("8of8", "3/8", "x"):
        with pytest.raises(shards.ShardError, match="expected <index>of<count>"):
            shards.parse(bad)


def test_landmarks_depend_on_no_crop_setting():
    """A new crop size, margin or T must not rerun detection in either engine."""
    assert not any(p.startswith("mouth") for p in STAGES["landmarks"].params)
    assert "data/mouth" not in STAGES["landmarks"].reads
