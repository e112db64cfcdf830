"""Per-clip stage records and the per-stage manifests built from them.

Every per-clip job writes one record (``<stage dir>/<speaker>/<name>.json``) whatever
happens: ``ok`` with details, ``failed`` with the reason, or ``skipped`` because an
earlier stage failed. The record is the job's declared output, so a failing clip never
stops the pipeline, and the manifest (``reports/manifests/<stage>.tsv``) lists every clip.
"""

from __future__ import annotations

import csv
import io
import logging
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import layout
from .datasets import Clip, Rejected
from .errors import LipflowError, is_storage_error
from .files import read_json, write_json, write_text

LOG = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class Record:
    clip: str
    stage: str
    status: str
    reason: str = ""
    fingerprint: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @classmethod
    def load(cls, path: Path) -> Record:
        return cls(**read_json(path))

    def save(self, path: Path) -> None:
        write_json(path, self.__dict__)


def load_record(stage: str, clip_key: str) -> Record:
    """The clip's record, or a failed one saying the stage never ran for it."""
    path = layout.record(stage, clip_key)
    if path.is_file():
        return Record.load(path)
    return Record(clip_key, stage, FAILED, f"no record at {path}: the {stage} job did not run")


def upstream_failure(records: list[Record]) -> str | None:
    """Reason to skip a clip whose earlier stage did not succeed, else None."""
    for record in records:
        if not record.ok:
            return f"{record.stage} {record.status}: {record.reason}"
    return None


def run_clip(
    stage: str,
    clip_key: str,
    dest: Path,
    fingerprint: str,
    work: Callable[[], dict],
    upstream: list[Record] = (),
    force: bool = False,
) -> Record:
    """Run ``work`` for one clip unless its record is current; always leave a record.

    A record whose fingerprint matches is reused, which is how an interrupted batch run
    resumes. ``work`` returns the record details or raises; any exception becomes the
    manifest reason (an unexpected one with its last frame), so one bad clip never stops
    the others, except a refused read or write (a full disk), which is the machine's fault:
    it stops the stage and leaves no record, so the clip runs again once there is room.
    """
    if not force and dest.is_file():
        previous = Record.load(dest)
        if previous.fingerprint == fingerprint:
            LOG.debug("%s %s: %s before, record current: reused", stage, clip_key, previous.status)
            return previous
    reason = upstream_failure(list(upstream))
    if reason:
        record = Record(clip_key, stage, SKIPPED, reason, fingerprint)
    else:
        try:
            record = Record(clip_key, stage, OK, "", fingerprint, work())
        except LipflowError as error:
            record = Record(clip_key, stage, FAILED, str(error), fingerprint)
        except Exception as error:  # noqa: BLE001 - reported by name, never lost
            if is_storage_error(error):
                raise
            where = traceback.extract_tb(error.__traceback__)[-1]
            record = Record(
                clip_key, stage, FAILED,
                f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})".strip(),
                fingerprint,
            )
    record.save(dest)
    LOG.debug("%s %s: %s %s", stage, clip_key, record.status, record.reason)
    return record


@dataclass
class Manifest:
    stage: str
    rows: list[dict]

    def counts(self) -> Counter:
        return Counter(row["status"] for row in self.rows)

    def summary(self) -> str:
        counts = self.counts()
        warned = sum(1 for row in self.rows if row.get("warning"))
        return (
            f"{self.stage}: {len(self.rows)} clips, {counts[OK]} ok, "
            f"{counts[FAILED]} failed, {counts[SKIPPED]} skipped" + (f", {warned} with a warning" if warned else "")
        )

    def require_any_ok(self) -> None:
        """Stop the run when the stage has clips and none is ok (one bad clip never stops it)."""
        if self.rows and not self.counts()[OK]:
            raise LipflowError(f"{self.summary()}: every clip failed; {layout.manifest(self.stage)} says why")

    def to_tsv(self) -> str:
        detail_keys = sorted({k for row in self.rows for k in row} - set(BASE_COLUMNS))
        out = io.StringIO()
        writer = csv.DictWriter(out, [*BASE_COLUMNS, *detail_keys], delimiter="\t", lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


BASE_COLUMNS = ("clip", "speaker", "sentence_id", "status", "reason")


def build_manifest(stage: str, clips: list[Clip], rejected: list[Rejected]) -> Manifest:
    """One row per discovered file: the clips' records and the files discovery rejected."""
    rows = []
    for clip in clips:
        base = {"clip": clip.key, "speaker": clip.speaker, "sentence_id": clip.sentence_id}
        record = load_record(stage, clip.key)
        rows.append({**base, "status": record.status, "reason": record.reason, **_flat(record.details)})
    for item in rejected:
        rows.append({"clip": item.key, "speaker": item.speaker, "sentence_id": "", "status": FAILED,
                     "reason": item.reason})
    return Manifest(stage, sorted(rows, key=lambda row: row["clip"]))


def _flat(details: dict) -> dict:
    return {k: v for k, v in details.items() if isinstance(v, (str, int, float, bool)) or v is None}


def write_manifest(manifest: Manifest) -> Path:
    path = layout.manifest(manifest.stage)
    write_text(path, manifest.to_tsv())
    return path
