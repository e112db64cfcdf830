"""GRID-style ``.align`` files and the conversion from aeneas JSON.

An ``.align`` line is ``begin end word`` with times as video frame index x 1000 (GRID's
convention, 25 fps). Times are rounded to the nearest frame, never truncated (1.160 s is
frame 29, written 29000), and the segments are contiguous and cover the clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .errors import LipflowError

FRAME_UNIT = 1000
SILENCE_TOKENS = ("sil", "sp")


class AlignError(LipflowError, ValueError):
    """An alignment that cannot be a valid .align file."""


@dataclass(frozen=True)
class Segment:
    begin: int
    end: int
    word: str


def seconds_to_frame(seconds: str | float, fps: float) -> int:
    """Nearest frame index; decimal arithmetic so '1.160' at 25 fps is exactly 29."""
    value = Decimal(str(seconds)) * Decimal(str(fps))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_aeneas(sync_map: dict, fps: float, frames: int | None = None) -> list[Segment]:
    """Segments from aeneas JSON ``{"fragments": [{"begin", "end", "lines"}]}``.

    aeneas's HEAD and TAIL fragments (no text: the leading and trailing non-speech it
    detected) become ``sil`` segments, or are dropped when empty. Boundaries are rounded to frames and made contiguous (each segment starts where the
    previous one ends); the first starts at 0 and, given ``frames``, the last ends at the
    clip's last frame.
    """
    fragments = [
        f for f in sync_map.get("fragments") or []
        if f.get("lines") or seconds_to_frame(f["end"], fps) > seconds_to_frame(f["begin"], fps)
    ]
    if not any(f.get("lines") for f in fragments):
        raise AlignError("aeneas returned no fragments")
    segments: list[Segment] = []
    begin = 0
    for index, fragment in enumerate(fragments):
        word = " ".join(fragment.get("lines") or [SILENCE_TOKENS[0]]).strip()
        if not word or " " in word:
            raise AlignError(f"fragment {index} is not one word: {fragment.get('lines')!r}")
        end = max(begin, seconds_to_frame(fragment["end"], fps))
        segments.append(Segment(begin * FRAME_UNIT, end * FRAME_UNIT, word))
        begin = end
    if frames is not None:
        last = segments[-1]
        if last.begin > frames * FRAME_UNIT:
            raise AlignError(f"alignment ends at frame {last.begin // FRAME_UNIT}, after the clip's {frames} frames")
        segments[-1] = Segment(last.begin, frames * FRAME_UNIT, last.word)
    return segments


def from_word_times(words, fps: float, frames: int) -> list[Segment]:
    """Segments from known word times ``[(word, start_s, end_s), ...]`` (ordered, in seconds).

    Boundaries are rounded to the nearest frame; ``sil`` fills the time before the first
    word and after the last (up to ``frames``), ``sp`` a gap of at least one frame between
    words, and a word never comes out shorter than one frame (it takes the frame from what
    follows). Empty silences are left out; the segments are contiguous from 0 to ``frames``.
    """
    words = list(words)
    if not words:
        raise AlignError("no words to align")
    silence, pause = SILENCE_TOKENS
    segments: list[Segment] = []
    at = 0

    def add(end: int, word: str) -> None:
        nonlocal at
        if end > at:
            segments.append(Segment(at * FRAME_UNIT, end * FRAME_UNIT, word))
            at = end

    for index, (word, start, end) in enumerate(words):
        if not word or " " in word or word in SILENCE_TOKENS:
            raise AlignError(f"word {index} is not one spoken word: {word!r}")
        begin = max(at, seconds_to_frame(start, fps))
        add(begin, silence if index == 0 else pause)
        add(max(begin + 1, seconds_to_frame(end, fps)), word)
    if at > frames:
        raise AlignError(f"the last word ends at frame {at}, after the clip's {frames} frames")
    add(frames, silence)
    return segments


def format_align(segments: list[Segment]) -> str:
    return "".join(f"{s.begin} {s.end} {s.word}\n" for s in segments)


def parse_align(content: str) -> list[Segment]:
    segments = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3:
            raise AlignError(f"line {number}: expected 'begin end word', got {line!r}")
        try:
            begin, end = int(parts[0]), int(parts[1])
        except ValueError:
            raise AlignError(f"line {number}: begin and end must be integers, got {line!r}") from None
        if end < begin:
            raise AlignError(f"line {number}: ends before it begins: {line!r}")
        segments.append(Segment(begin, end, parts[2]))
    return segments


def read_align(path: Path) -> list[Segment]:
    return parse_align(Path(path).read_text(encoding="utf-8"))


def spoken_words(segments: list[Segment]) -> list[str]:
    """The transcript of an alignment: its words without silence tokens."""
    return [s.word for s in segments if s.word not in SILENCE_TOKENS]


def boundary_errors(segments: list[Segment], truth_words: list[dict], fps: float) -> list[float]:
    """Absolute start and end errors (frames) of each spoken word against the truth timings.

    Raises ValueError when the aligned words are not the truth's words.
    """
    spoken = [s for s in segments if s.word not in SILENCE_TOKENS]
    if [s.word for s in spoken] != [w["word"] for w in truth_words]:
        raise ValueError("aligned words differ from the truth's words")
    errors = []
    for segment, word in zip(spoken, truth_words):
        errors.append(abs(segment.begin / FRAME_UNIT - word["start"] * fps))
        errors.append(abs(segment.end / FRAME_UNIT - word["end"] * fps))
    return errors
