"""Stage 6: which clips train, validate and test the model (``data/split/split.tsv``).

Every discovered file gets a row: clips whose mouth crops failed, and files discovery
rejected, are ``excluded`` with the reason, so nothing disappears between the manifests and
the training set. A split that leaves a requested part empty, or names a clip twice, is
refused rather than written.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np

from .. import alignfile, text
from ..files import write_text
from ..layout import stage_dir
from ..params import is_grid
from ..project import Project
from . import align_convert, mouth, upstream

NAME = "split"
PARTS = ("train", "val", "test")
EXCLUDED = "excluded"
COLUMNS = ("clip", "speaker", "sentence_id", "label", "split", "reason")
GRID_UNSEEN_TEST = ("s1", "s2", "s20", "s22")
"""LipNet's unseen-speaker evaluation (Assael et al. 2016)."""
GRID_REFERENCE = {"train": ("s8", "s19", "s23", "s31", "s32"), "test": ("s13", "s14", "s17", "s24", "s33")}
"""The lip-to-speech reference system's speakers: train/val and test."""


class SplitError(ValueError):
    """The split asked for cannot be made; the message says which part or clip."""


def split_path() -> Path:
    return stage_dir(NAME) / "split.tsv"


def candidates(project: Project) -> list[dict]:
    """One row per discovered file; ``reason`` is empty for the clips that can be split."""
    clips, rejected = project.discover()
    grid_kind = is_grid(project.params)
    needed = (mouth.NAME, align_convert.NAME) if grid_kind else (mouth.NAME,)
    rows = []
    for clip in clips:
        failed = next((r for r in upstream(clip.key, *needed) if not r.ok), None)
        reason = f"{failed.stage} {failed.status}: {failed.reason}" if failed else ""
        if grid_kind and not failed:
            sentence = " ".join(alignfile.spoken_words(alignfile.read_align(align_convert.align_path(clip.key))))
        else:
            sentence = project.sentences[clip.sentence_id]
        label = text.normalise(sentence, project.language)
        if not label and not reason:
            reason = "the sentence has no words after normalisation"
        rows.append({"clip": clip.key, "speaker": clip.speaker, "sentence_id": clip.sentence_id,
                     "label": label, "split": EXCLUDED, "reason": reason})
    for item in rejected:
        speaker = item.key.split("/")[0] if "/" in item.key else ""
        rows.append({"clip": item.key, "speaker": speaker, "sentence_id": "", "label": "",
                     "split": EXCLUDED, "reason": item.reason})
    return sorted(rows, key=lambda row: row["clip"])


def assign(rows: list[dict], settings: dict, seed: int) -> list[dict]:
    """Fill in ``split`` for the usable rows by the configured mode; refuse an empty part."""
    usable = [row for row in rows if not row["reason"]]
    rng = np.random.default_rng(seed)
    if settings["mode"] == "random":
        requested = _by_clip(usable, settings, rng)
    elif settings["mode"] == "speakers":
        requested = _by_speaker(usable, settings, rng)
    elif settings["mode"].startswith("grid_"):
        requested = _by_grid_preset(usable, settings, rng)
    else:
        requested = _by_lists(rows, settings["lists"])
    counts = Counter(row["split"] for row in rows)
    empty = [part for part in requested if not counts[part]]
    if empty:
        raise SplitError(
            f"split ({settings['mode']} mode) would leave {', '.join(empty)} empty: "
            f"{len(usable)} usable clip(s) from {len({row['speaker'] for row in usable})} speaker(s)"
        )
    return rows


def _take(count: float) -> int:
    return int(round(count))


def _by_clip(usable: list[dict], settings: dict, rng: np.random.Generator) -> list[str]:
    order = [usable[i] for i in rng.permutation(len(usable))]
    n_test = _take(settings["test_fraction"] * len(order))
    n_val = _take(settings["val_fraction"] * len(order))
    for index, row in enumerate(order):
        row["split"] = "test" if index < n_test else "val" if index < n_test + n_val else "train"
    return _requested(settings["val_fraction"] > 0, settings["test_fraction"] > 0)


def _by_speaker(usable: list[dict], settings: dict, rng: np.random.Generator) -> list[str]:
    speakers = sorted({row["speaker"] for row in usable})
    named = {"val": settings["val_speakers"], "test": settings["test_speakers"]}
    both = set(named["val"]) & set(named["test"])
    if both:
        raise SplitError(f"speaker(s) {', '.join(sorted(both))} listed for both val and test")
    missing = sorted({*named["val"], *named["test"]} - set(speakers))
    if missing:
        raise SplitError(f"held-out speaker(s) {', '.join(missing)} have no usable clips")
    pool = [speakers[i] for i in rng.permutation(len(speakers)) if speakers[i] not in {*named["val"], *named["test"]}]
    held = {}
    for part in ("test", "val"):
        if named[part]:
            held[part] = set(named[part])
        else:
            count = _take(settings[f"{part}_fraction"] * len(speakers))
            held[part], pool = set(pool[:count]), pool[count:]
    for row in usable:
        row["split"] = "test" if row["speaker"] in held["test"] else "val" if row["speaker"] in held["val"] else "train"
    return _requested(bool(named["val"]) or settings["val_fraction"] > 0,
                      bool(named["test"]) or settings["test_fraction"] > 0)


def _by_grid_preset(usable: list[dict], settings: dict, rng: np.random.Generator) -> list[str]:
    """The GRID papers' splits; val is ``val_fraction`` of the training speakers' clips."""
    mode = settings["mode"]
    if mode == "grid_overlapped":
        per_speaker = settings["overlapped_test_clips"]
        for speaker in sorted({row["speaker"] for row in usable}):
            own = [row for row in usable if row["speaker"] == speaker]
            if len(own) <= per_speaker:
                raise SplitError(f"grid_overlapped holds out split.overlapped_test_clips = {per_speaker} clips of "
                                 f"every speaker, and {speaker} has only {len(own)}")
            for index in rng.permutation(len(own))[:per_speaker]:
                own[index]["split"] = "test"
    else:
        test = GRID_UNSEEN_TEST if mode == "grid_unseen" else GRID_REFERENCE["test"]
        for row in usable:
            if row["speaker"] in test:
                row["split"] = "test"
            elif mode == "grid_reference" and row["speaker"] not in GRID_REFERENCE["train"]:
                row["reason"] = f"speaker not in the grid_reference split (train/val {' '.join(GRID_REFERENCE['train'])})"
    training = [row for row in usable if row["split"] != "test" and not row["reason"]]
    n_val = _take(settings["val_fraction"] * len(training))
    for rank, index in enumerate(rng.permutation(len(training))):
        training[index]["split"] = "val" if rank < n_val else "train"
    return _requested(settings["val_fraction"] > 0, True)


def _requested(val: bool, test: bool) -> list[str]:
    return ["train", *(["val"] if val else []), *(["test"] if test else [])]


def read_list(path: Path) -> list[str]:
    """Clip keys, one a line; blank lines and ``#`` comments are ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise SplitError(f"split list {path}: {error.strerror}") from None
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _by_lists(rows: list[dict], lists: dict) -> list[str]:
    if not lists["train"]:
        raise SplitError("lists mode needs split.lists.train")
    by_key = {row["clip"]: row for row in rows}
    owner: dict[str, str] = {}
    twice, unknown = set(), set()
    requested = [part for part in PARTS if lists[part]]
    for part in requested:
        for key in read_list(lists[part]):
            if key in owner:
                twice.add(f"{key} ({owner[key]} and {part})")
            elif key not in by_key:
                unknown.add(key)
            owner.setdefault(key, part)
    if twice:
        raise SplitError(f"clip(s) in two parts: {', '.join(sorted(twice))}")
    if unknown:
        raise SplitError(f"listed clip(s) not in the dataset: {', '.join(sorted(unknown))}")
    for row in rows:
        if row["reason"]:
            continue
        if row["clip"] in owner:
            row["split"] = owner[row["clip"]]
        else:
            row["reason"] = "in no split list"
    return requested


def to_tsv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run(project: Project) -> tuple[Path, Counter]:
    """Write the split table; returns its path and the clip count of each part."""
    rows = assign(candidates(project), project.params[NAME], project.params["seed"])
    dest = split_path()
    write_text(dest, to_tsv(rows))
    return dest, Counter(row["split"] for row in rows)
