"""The split table (``data/split/split.tsv``): its one writer and its one reader.

One row per discovered file: ``clip speaker sentence_id label split reason``, where
``split`` is train, val, test or excluded and ``reason`` says why a file is excluded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import LipflowError
from .files import write_text

TRAIN, VAL, TEST, EXCLUDED = "train", "val", "test", "excluded"
PARTS = (TRAIN, VAL, TEST)
COLUMNS = ("clip", "speaker", "sentence_id", "label", "split", "reason")
REQUIRED = COLUMNS[:5]
"""What a reader needs; ``reason`` may be absent from tables written by hand."""


class SplitTableError(LipflowError):
    """The split table is missing or malformed."""


@dataclass
class Row:
    clip: str
    speaker: str
    sentence_id: str
    label: str
    split: str = EXCLUDED
    reason: str = ""


def to_tsv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(asdict(row) for row in rows)
    return out.getvalue()


def write(dest: Path, rows: list[Row]) -> None:
    write_text(dest, to_tsv(rows))


def read(path: Path) -> list[Row]:
    path = Path(path)
    if not path.is_file():
        raise SplitTableError(f"{path}: split table not found (run the split stage first)")
    with open(path, newline="", encoding="utf-8") as handle:
        table = csv.DictReader(handle, delimiter="\t")
        missing = [c for c in REQUIRED if c not in (table.fieldnames or [])]
        if missing:
            raise SplitTableError(f"{path}: missing column(s) {', '.join(missing)}")
        return [Row(**{c: (row.get(c) or "") for c in COLUMNS}) for row in table]
