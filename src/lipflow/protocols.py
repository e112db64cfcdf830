"""The split table of each protocol of the vanilla-vs-KD sweep (``data/split/protocols/``)."""

from __future__ import annotations

from pathlib import Path

from . import layout, splitfile
from .splitting import assign
from .sweep import PROJECT_SPLIT


def write_split(params: dict, protocol: str) -> Path:
    """``data/split/protocols/<protocol>.tsv``: the project's split table as it is (``split``), or
    the same clips re-split in that mode (same seed and fractions). Rewritten only when it
    changes, so the runs that read it are not redone for nothing."""
    rows = splitfile.read(layout.SPLIT_TABLE)
    if protocol != PROJECT_SPLIT:
        for row in rows:
            if not row.reason:
                row.split = splitfile.EXCLUDED
        assign(rows, {**params["split"], "mode": protocol}, params["seed"])
    dest = layout.protocol_split_table(protocol)
    if not dest.is_file() or dest.read_text(encoding="utf-8") != splitfile.to_tsv(rows):
        splitfile.write(dest, rows)
    return dest
