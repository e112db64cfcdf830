"""How clips are assigned to train, val and test: by clip, by speaker, by the GRID papers'
presets, or from lists. A split that leaves a requested part empty, or names a clip twice,
is refused rather than made."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .errors import LipflowError
from .splitfile import PARTS, Row

GRID_UNSEEN_TEST = ("s1", "s2", "s20", "s22")
"""LipNet's unseen-speaker evaluation (Assael et al. 2016)."""
GRID_REFERENCE = {"train": ("s8", "s19", "s23", "s31", "s32"), "test": ("s13", "s14", "s17", "s24", "s33")}
"""The lip-to-speech reference system's speakers: train/val and test."""


class SplitError(LipflowError):
    """The split asked for cannot be made; the message says which part or clip."""


def assign(rows: list[Row], settings: dict, seed: int) -> list[Row]:
    """Fill in ``split`` for the usable rows by the configured mode; refuse an empty part."""
    usable = [row for row in rows if not row.reason]
    rng = np.random.default_rng(seed)
    if settings["mode"] == "random":
        requested = _by_clip(usable, settings, rng)
    elif settings["mode"] == "speakers":
        requested = _by_speaker(usable, settings, rng)
    elif settings["mode"].startswith("grid_"):
        requested = _by_grid_preset(usable, settings, rng)
    else:
        requested = _by_lists(rows, settings["lists"])
    counts = Counter(row.split for row in rows)
    empty = [part for part in requested if not counts[part]]
    if empty:
        raise SplitError(
            f"split ({settings['mode']} mode) would leave {', '.join(empty)} empty: "
            f"{len(usable)} usable clip(s) from {len({row.speaker for row in usable})} speaker(s)"
        )
    return rows


def _take(count: float) -> int:
    return int(round(count))


def _by_clip(usable: list[Row], settings: dict, rng: np.random.Generator) -> list[str]:
    order = [usable[i] for i in rng.permutation(len(usable))]
    n_test = _take(settings["test_fraction"] * len(order))
    n_val = _take(settings["val_fraction"] * len(order))
    for index, row in enumerate(order):
        row.split = "test" if index < n_test else "val" if index < n_test + n_val else "train"
    return _requested(settings["val_fraction"] > 0, settings["test_fraction"] > 0)


def _by_speaker(usable: list[Row], settings: dict, rng: np.random.Generator) -> list[str]:
    speakers = sorted({row.speaker for row in usable})
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
        row.split = "test" if row.speaker in held["test"] else "val" if row.speaker in held["val"] else "train"
    return _requested(bool(named["val"]) or settings["val_fraction"] > 0,
                      bool(named["test"]) or settings["test_fraction"] > 0)


def _by_grid_preset(usable: list[Row], settings: dict, rng: np.random.Generator) -> list[str]:
    """The GRID papers' splits; val is ``val_fraction`` of the training speakers' clips."""
    mode = settings["mode"]
    if mode == "grid_overlapped":
        per_speaker = settings["overlapped_test_clips"]
        for speaker in sorted({row.speaker for row in usable}):
            own = [row for row in usable if row.speaker == speaker]
            if len(own) <= per_speaker:
                raise SplitError(f"grid_overlapped holds out split.overlapped_test_clips = {per_speaker} clips of "
                                 f"every speaker, and {speaker} has only {len(own)}")
            for index in rng.permutation(len(own))[:per_speaker]:
                own[index].split = "test"
    else:
        test = GRID_UNSEEN_TEST if mode == "grid_unseen" else GRID_REFERENCE["test"]
        for row in usable:
            if row.speaker in test:
                row.split = "test"
            elif mode == "grid_reference" and row.speaker not in GRID_REFERENCE["train"]:
                row.reason = f"speaker not in the grid_reference split (train/val {' '.join(GRID_REFERENCE['train'])})"
    training = [row for row in usable if row.split != "test" and not row.reason]
    n_val = _take(settings["val_fraction"] * len(training))
    for rank, index in enumerate(rng.permutation(len(training))):
        training[index].split = "val" if rank < n_val else "train"
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


def _by_lists(rows: list[Row], lists: dict) -> list[str]:
    if not lists["train"]:
        raise SplitError("lists mode needs split.lists.train")
    by_key = {row.clip: row for row in rows}
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
        if row.reason:
            continue
        if row.clip in owner:
            row.split = owner[row.clip]
        else:
            row.reason = "in no split list"
    return requested
