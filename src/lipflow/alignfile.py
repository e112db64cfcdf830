"""GRID-style ``.align`` files and the conversion from aeneas JSON.

An ``.align`` line is ``begin end word`` with times in GRID's own unit, 1/1000 of a video
frame (1/25000 s at 25 fps), as integers: GRID's files keep boundaries between frames, and so
does lipflow. Seconds become units with decimal arithmetic, rounded to the nearest unit, never
truncated (1.160 s is frame 29, written 29000; 0.4999 s is 12497.5 -> 12498). The segments
are contiguous and cover the clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from statistics import mean, median

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


def seconds_to_units(seconds: str | float, fps: float) -> int:
    """Nearest 1/1000 of a frame; decimal arithmetic so '1.160' at 25 fps is exactly 29000."""
    value = Decimal(str(seconds)) * Decimal(str(fps)) * FRAME_UNIT
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _fragment_word(fragment: dict) -> str:
    """An aeneas fragment's text; HEAD and TAIL (no lines) are silence."""
    return " ".join(fragment.get("lines") or [SILENCE_TOKENS[0]]).strip()


def from_aeneas(sync_map: dict, fps: float, frames: int | None = None) -> list[Segment]:
    """Segments from aeneas JSON ``{"fragments": [{"begin", "end", "lines"}]}``.

    aeneas's HEAD and TAIL fragments (no text: the leading and trailing non-speech it
    detected) become ``sil`` segments, pauses it marked ``sp`` stay ``sp``; a silence of no
    length is dropped (a word of no length is kept). Boundaries keep aeneas's precision to the
    nearest 1/1000 frame and are made contiguous (each segment starts where the previous one
    ends); the first starts at 0 and, given ``frames``, silences after the clip's end are cut
    and the last segment ends at the clip's last frame.
    """
    fragments = [
        (index, _fragment_word(f), f) for index, f in enumerate(sync_map.get("fragments") or [])
    ]
    fragments = [
        (index, word, f) for index, word, f in fragments
        if word not in SILENCE_TOKENS or seconds_to_units(f["end"], fps) > seconds_to_units(f["begin"], fps)
    ]
    if all(word in SILENCE_TOKENS for _, word, _ in fragments):
        raise AlignError("aeneas returned no fragments")
    segments: list[Segment] = []
    begin = 0
    for index, word, fragment in fragments:
        if not word or " " in word:
            raise AlignError(f"fragment {index} is not one word: {fragment.get('lines')!r}")
        end = max(begin, seconds_to_units(fragment["end"], fps))
        segments.append(Segment(begin, end, word))
        begin = end
    if frames is not None:
        clip_end = frames * FRAME_UNIT
        while segments[-1].word in SILENCE_TOKENS and segments[-1].begin >= clip_end:
            segments.pop()  # silence aeneas found in audio that runs past the video
        last = segments[-1]
        if last.begin > clip_end:
            raise AlignError(f"alignment ends at frame {last.begin / FRAME_UNIT:g}, after the clip's {frames} frames")
        segments[-1] = Segment(last.begin, clip_end, last.word)
    return segments


def from_word_times(words, fps: float, frames: int) -> list[Segment]:
    """Segments from known word times ``[(word, start_s, end_s), ...]`` (ordered, in seconds).

    Boundaries keep the times to the nearest 1/1000 frame; ``sil`` fills the time before the
    first word and after the last (up to ``frames``), ``sp`` any gap between words, and a word
    never comes out shorter than one frame (it takes the time from what follows). Empty
    silences are left out; the segments are contiguous from 0 to ``frames``.
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
            segments.append(Segment(at, end, word))
            at = end

    for index, (word, start, end) in enumerate(words):
        if not word or " " in word or word in SILENCE_TOKENS:
            raise AlignError(f"word {index} is not one spoken word: {word!r}")
        begin = max(at, seconds_to_units(start, fps))
        add(begin, silence if index == 0 else pause)
        add(max(begin + FRAME_UNIT, seconds_to_units(end, fps)), word)
    clip_end = frames * FRAME_UNIT
    if at > clip_end:
        raise AlignError(f"the last word ends at frame {at / FRAME_UNIT:g}, after the clip's {frames} frames")
    add(clip_end, silence)
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
    return [s.word for s in spoken_segments(segments)]


def spoken_segments(segments: list[Segment]) -> list[Segment]:
    return [s for s in segments if s.word not in SILENCE_TOKENS]


def word_segments(truth_words: list[dict], fps: float) -> list[Segment]:
    """A truth file's words (``{"word", "start", "end"}``, seconds) as segments in 1/1000 frames."""
    return [Segment(seconds_to_units(w["start"], fps), seconds_to_units(w["end"], fps), w["word"]) for w in truth_words]


def boundary_errors(segments: list[Segment], truth: list[Segment]) -> list[float]:
    """Absolute start and end errors (frames) of each spoken word against a reference alignment.

    Silence tokens are ignored on both sides. Raises ValueError when the aligned words are
    not the reference's words.
    """
    spoken = [s for s in segments if s.word not in SILENCE_TOKENS]
    reference = [s for s in truth if s.word not in SILENCE_TOKENS]
    if [s.word for s in spoken] != [s.word for s in reference]:
        raise ValueError("aligned words differ from the reference's words")
    errors = []
    for segment, word in zip(spoken, reference, strict=True):
        errors.append(abs(segment.begin - word.begin) / FRAME_UNIT)
        errors.append(abs(segment.end - word.end) / FRAME_UNIT)
    return errors


def error_summary(errors: list[float]) -> dict:
    """Word-boundary errors (frames) summed up for a metrics file."""
    if not errors:
        raise ValueError("no boundary errors to sum up")
    return {
        "boundaries": len(errors),
        "mean_abs_error_frames": round(mean(errors), 3),
        "median_abs_error_frames": round(median(errors), 3),
        "max_abs_error_frames": round(max(errors), 3),
        "within_1_frame": round(sum(e <= 1 for e in errors) / len(errors), 4),
        "within_2_frames": round(sum(e <= 2 for e in errors) / len(errors), 4),
    }
