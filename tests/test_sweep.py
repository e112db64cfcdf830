"""The sweep's run names and outputs."""

from __future__ import annotations

from lipflow import sweep


def test_every_run_is_named_after_its_protocol_method_and_seed():
    assert sweep.run_name("kd", 2, "speakers") == "experiment/speakers/kd-s2"
    assert sweep.run_name("vanilla", 1, sweep.PROJECT_SPLIT) == "experiment/split/vanilla-s1"
