"""One protocol's split table for the vanilla-vs-KD sweep -> ``data/split/protocols/<protocol>.tsv``."""

from __future__ import annotations

from pathlib import Path

from .. import protocols
from ..project import load


def main(params_path: Path, options: dict) -> str:
    return f"protocol {options['protocol']}: {protocols.write_split(load(params_path).params, options['protocol'])}"
