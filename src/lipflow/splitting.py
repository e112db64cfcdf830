"""How clips are assigned to train, val and test: by clip, by speaker, by sentence, by speaker
and sentence at once, by the GRID papers' presets, or from lists. A split that leaves a
requested part empty, or names a clip twice, is refused rather than made."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .alignfile import FRAME_UNIT, Segment, spoken_segments
from .errors import LipflowError
from .splitfile import EXCLUDED, PARTS, TEST, TRAIN, VAL, Row

GRID_UNSEEN_TEST = ("s1", "s2", "s20", "s22")
"""LipNet's unseen-speaker evaluation (Assael et al. 2016)."""
GRID_REFERENCE = {"train": ("s8", "s19", "s23", "s31", "s32"), "test": ("s13", "s14", "s17", "s24", "s33")}
"""The lip-to-speech reference system's speakers: train/val and test."""
UNITS = {"speaker": "speaker", "sentence": "sentence_id"}
"""What a held-out mode holds out -> the row field that names it. ``split.<part>_<unit>s``
lists them; otherwise ``split.<part>_fraction`` of them is drawn with the seed."""
HELD_OUT = {
    "speakers": {(TRAIN, TRAIN): TRAIN, (VAL, TRAIN): VAL, (TEST, TRAIN): TEST},
    "sentences": {(TRAIN, TRAIN): TRAIN, (TRAIN, VAL): VAL, (TRAIN, TEST): TEST},
    "speakers_sentences": {(TRAIN, TRAIN): TRAIN, (TRAIN, VAL): VAL, (TEST, TEST): TEST},
}
"""The held-out modes: (the part of the clip's speaker, the part of its sentence) -> the clip's
part; a clip with any other pair is excluded. Speakers and sentences are held out for the parts
their column names: speakers_sentences holds out test speakers only (its val is the training
speakers saying the val sentences) and val and test sentences."""
ROLE = {TRAIN: "training", VAL: "held-out val", TEST: "held-out test"}


class SplitError(LipflowError):
    """The split asked for cannot be made; the message says which part or clip."""


def label_video_mismatch(segments: list[Segment], video: tuple[int, int], settings: dict) -> str:
    """Why a clip's label cannot be read from its crops ("" when it can): speech aligned outside the
    video frames the crops come from (a truncated file, speech past the T kept frames), or a word
    aligned shorter than ``split.min_word_frames`` (the words were squeezed into too little audio)."""
    spoken = spoken_segments(segments)
    if not spoken:
        return ""
    first, end = video
    margin = settings["speech_margin_frames"]
    speech = (spoken[0].begin / FRAME_UNIT, spoken[-1].end / FRAME_UNIT)
    if speech[0] < first - margin or speech[1] > end + margin:
        return (f"speech aligned to frames {speech[0]:.1f}-{speech[1]:.1f} but the crops come from video frames "
                f"{first}-{end - 1}: the label is not in the crops")
    short = min(spoken, key=lambda s: s.end - s.begin)
    if (short.end - short.begin) / FRAME_UNIT < settings["min_word_frames"]:
        return (f"word {short.word!r} aligned to {(short.end - short.begin) / FRAME_UNIT:.2f} frames "
                f"(< split.min_word_frames {settings['min_word_frames']}): the speech does not fit the clip")
    return ""


def assign(rows: list[Row], settings: dict, seed: int) -> list[Row]:
    """Fill in ``split`` for the usable rows by the configured mode; refuse an empty part."""
    usable = [row for row in rows if not row.reason]
    rng = np.random.default_rng(seed)
    mode = settings["mode"]
    _refuse_unused_lists(settings)
    if mode == "random":
        requested = _by_clip(usable, settings, rng)
    elif mode in HELD_OUT:
        requested = _by_held_out(usable, settings, rng)
    elif mode.startswith("grid_"):
        requested = _by_grid_preset(usable, settings, rng)
    else:
        requested = _by_lists(rows, settings["lists"])
    counts = Counter(row.split for row in rows)
    empty = [part for part in requested if not counts[part]]
    if empty:
        raise SplitError(
            f"split ({mode} mode) would leave {', '.join(empty)} empty: {len(usable)} usable clip(s) from "
            f"{len({row.speaker for row in usable})} speaker(s) saying {len({row.sentence_id for row in usable})} "
            "sentence(s)"
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


def _held_parts(mode: str, unit: str) -> list[str]:
    """The parts ``mode`` holds ``unit`` out for, test first (the order they are drawn in)."""
    column = list(UNITS).index(unit)
    return [part for part in (TEST, VAL) if any(pair[column] == part for pair in HELD_OUT.get(mode, {}))]


def _refuse_unused_lists(settings: dict) -> None:
    """A held-out list the mode would not use is refused, so nobody believes it held out.
    Speaker lists outside the held-out modes are ignored, as they always were."""
    mode = settings["mode"]
    units = UNITS if mode in HELD_OUT else ("sentence",)
    unused = [f"split.{part}_{unit}s" for unit in units for part in (VAL, TEST)
              if settings[f"{part}_{unit}s"] and part not in _held_parts(mode, unit)]
    if unused:
        raise SplitError(f"{', '.join(unused)}: not used in {mode} mode; empty it (see docs/mouth-and-split.md)")


def _hold_out(unit: str, values: list[str], parts: list[str], settings: dict,
              rng: np.random.Generator) -> dict[str, str]:
    """Each distinct value of ``unit`` (a speaker, a sentence ID) -> its part: the ones listed in
    ``split.<part>_<unit>s``, else ``<part>_fraction`` of all values drawn with ``rng``; the rest train."""
    distinct = sorted(set(values))
    if not parts:
        return dict.fromkeys(distinct, TRAIN)
    named = {part: {str(value) for value in settings[f"{part}_{unit}s"]} for part in parts}
    both = set.intersection(*named.values()) if len(parts) > 1 else set()
    if both:
        raise SplitError(f"{unit}(s) {', '.join(sorted(both))} listed for both val and test "
                         f"(split.val_{unit}s and split.test_{unit}s)")
    for part in parts:
        missing = sorted(named[part] - set(distinct))
        if missing:
            raise SplitError(f"split.{part}_{unit}s: held-out {unit}(s) {', '.join(missing)} have no usable clips")
    listed = set().union(*named.values())
    pool = [distinct[i] for i in rng.permutation(len(distinct)) if distinct[i] not in listed]
    held = dict.fromkeys(distinct, TRAIN)
    for part in parts:
        if named[part]:
            chosen = named[part]
        else:
            count = _take(settings[f"{part}_fraction"] * len(distinct))
            chosen, pool = pool[:count], pool[count:]
        held.update(dict.fromkeys(chosen, part))
    return held


def _by_held_out(usable: list[Row], settings: dict, rng: np.random.Generator) -> list[str]:
    """Speakers and/or sentences held out by :data:`HELD_OUT`; a clip whose (speaker, sentence)
    pair belongs to no part is excluded with the pair as the reason."""
    mode = settings["mode"]
    pairs = HELD_OUT[mode]
    held = {unit: _hold_out(unit, [getattr(row, field) for row in usable], _held_parts(mode, unit), settings, rng)
            for unit, field in UNITS.items()}
    for row in usable:
        speaker, sentence = (held[unit][getattr(row, field)] for unit, field in UNITS.items())
        if (speaker, sentence) in pairs:
            row.split = pairs[speaker, sentence]
        else:
            row.reason = f"{mode}: {ROLE[speaker]} speaker saying a {ROLE[sentence]} sentence"
    wanted = {part: settings[f"{part}_fraction"] > 0
              or any(settings[f"{part}_{unit}s"] for unit in UNITS if part in _held_parts(mode, unit))
              for part in (VAL, TEST)}
    return _requested(wanted[VAL], wanted[TEST])


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


def report(rows: list[Row], mode: str) -> dict:
    """What each part holds (``reports/metrics/split.json``): ``{"mode", "parts": {part: ...}}``
    with the clips, speakers and sentences of every part, and for val and test how unseen they
    are: the share of their speakers and of their sentences that no training clip has, and of
    their word tokens that no training label contains (``unseen_word_share``; null without words)."""
    training = [row for row in rows if row.split == TRAIN]
    seen_words = {word for row in training for word in row.label.split()}
    parts: dict = {}
    for part in (*PARTS, EXCLUDED):
        own = [row for row in rows if row.split == part]
        entry = {"clips": len(own)}
        for unit, field in UNITS.items():
            values = {getattr(row, field) for row in own if getattr(row, field)}
            entry[f"{unit}s"] = len(values)
            if part in (VAL, TEST):
                unseen = values - {getattr(row, field) for row in training}
                entry[f"unseen_{unit}_share"] = _share(len(unseen), len(values))
        if part in (VAL, TEST):
            words = [word for row in own for word in row.label.split()]
            entry["unseen_word_share"] = _share(sum(word not in seen_words for word in words), len(words))
        parts[part] = entry
    return {"mode": mode, "parts": parts}


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None
