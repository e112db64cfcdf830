"""The CTC decoders' names, apart from the decoders themselves so that reports, which only read
their names, do not start TensorFlow."""

from __future__ import annotations

GREEDY = "greedy"
BEAM = "beam"
BEAM_SNAP = "beam_snap"


def decoders(snap: bool) -> list[str]:
    """The decoders a run reports, raw ones first."""
    return [GREEDY, BEAM, BEAM_SNAP] if snap else [GREEDY, BEAM]
