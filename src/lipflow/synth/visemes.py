"""espeak-ng phonemes -> visemes -> a smooth mouth-shape track sampled at the video frames.

A learnable corpus matters more than realism: classes that real lips blur together
(p/b/m, t/d/n/l/r, k/c at word starts) get shapes that differ as much as is plausible,
and geminates show because a stop's closure lasts as long as its silence. The table covers
espeak-ng's Italian and English (the GRID-like corpus) phonemes; an English diphthong
(``aI``, ``oU``...) starts at its first vowel's viseme and glides to its second's
(:data:`GLIDES`), so "i" (``aI``) and "r" (``A@``) do not look alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np

from ..errors import LipflowError
from .speech import PAUSE_PREFIX, Phone


@dataclass(frozen=True)
class Shape:
    """A mouth pose; every field blends linearly, which is what coarticulation needs."""

    open: float          # inner lip gap, fraction of the rest mouth width
    width: float         # mouth width, fraction of the rest width
    round: float         # 0 lens-shaped (spread) .. 1 oval (rounded, protruded)
    upper_teeth: float   # 0..1 visible
    lower_teeth: float   # 0..1 visible
    tongue: float        # 0..1 visible
    tongue_height: float  # 0 on the floor of the mouth .. 1 touching the upper teeth
    lips: float          # lip thickness, 1 = relaxed, < 1 pressed, > 1 pushed out
    tuck: float          # 0..1 lower lip drawn up under the upper teeth (f, v)


FIELDS = [f.name for f in fields(Shape)]
#                     open  width round  up  low tongue t_h  lips tuck
VISEMES = {
    "rest":          Shape(0.00, 1.00, 0.2, 0.0, 0.0, 0.0, 0.0, 1.00, 0.0),
    "p":             Shape(0.00, 0.92, 0.0, 0.0, 0.0, 0.0, 0.0, 0.45, 0.0),
    "b":             Shape(0.00, 0.88, 0.5, 0.0, 0.0, 0.0, 0.0, 1.35, 0.0),
    "m":             Shape(0.00, 1.04, 0.1, 0.0, 0.0, 0.0, 0.0, 0.75, 0.0),
    "f":             Shape(0.20, 1.02, 0.0, 1.0, 0.0, 0.0, 0.0, 0.85, 1.0),
    "v":             Shape(0.24, 0.95, 0.3, 0.7, 0.0, 0.0, 0.0, 1.10, 0.7),
    "t":             Shape(0.16, 1.05, 0.1, 1.0, 1.0, 0.6, 1.0, 0.90, 0.0),
    "d":             Shape(0.22, 1.00, 0.2, 0.8, 0.6, 0.9, 0.9, 1.00, 0.0),
    "n":             Shape(0.12, 0.98, 0.3, 0.3, 0.0, 1.0, 0.8, 1.05, 0.0),
    "l":             Shape(0.30, 1.00, 0.2, 0.6, 0.2, 1.0, 1.0, 1.00, 0.0),
    "r":             Shape(0.24, 0.90, 0.5, 0.0, 0.6, 1.0, 0.55, 1.15, 0.0),
    "s":             Shape(0.06, 1.15, 0.0, 1.0, 1.0, 0.0, 0.0, 0.85, 0.0),
    "ts":            Shape(0.10, 1.10, 0.1, 1.0, 1.0, 0.3, 1.0, 0.90, 0.0),
    "sh":            Shape(0.14, 0.78, 0.9, 1.0, 1.0, 0.0, 0.0, 1.40, 0.0),
    "palatal":       Shape(0.10, 1.12, 0.0, 0.5, 0.5, 0.8, 0.6, 0.90, 0.0),
    "k":             Shape(0.30, 0.96, 0.3, 0.0, 0.3, 0.7, 0.2, 1.00, 0.0),
    "g":             Shape(0.34, 0.92, 0.5, 0.0, 0.0, 0.5, 0.1, 1.10, 0.0),
    "w":             Shape(0.10, 0.66, 1.0, 0.0, 0.0, 0.0, 0.0, 1.45, 0.0),
    "a":             Shape(0.62, 1.05, 0.5, 0.4, 0.2, 0.3, 0.0, 1.00, 0.0),
    "e":             Shape(0.30, 1.12, 0.1, 0.6, 0.3, 0.2, 0.2, 0.95, 0.0),
    "E":             Shape(0.42, 1.10, 0.3, 0.5, 0.2, 0.2, 0.1, 0.95, 0.0),
    "i":             Shape(0.16, 1.20, 0.0, 0.9, 0.9, 0.0, 0.0, 0.85, 0.0),
    "o":             Shape(0.34, 0.78, 0.9, 0.1, 0.0, 0.2, 0.0, 1.25, 0.0),
    "O":             Shape(0.48, 0.86, 0.8, 0.2, 0.0, 0.3, 0.0, 1.15, 0.0),
    "u":             Shape(0.16, 0.64, 1.0, 0.0, 0.0, 0.0, 0.0, 1.50, 0.0),
    "schwa":         Shape(0.22, 1.00, 0.4, 0.2, 0.1, 0.2, 0.3, 1.00, 0.0),
    "th":            Shape(0.18, 1.04, 0.1, 0.4, 0.0, 1.0, 0.7, 0.95, 0.0),
}
PHONEME_VISEMES = {
    "p": "p", "b": "b", "m": "m", "f": "f", "v": "v",
    "t": "t", "d": "d", "n": "n", "N": "n", "l": "l",
    "*": "r", "R": "r", "r": "r",
    "s": "s", "ss": "s", "z": "s", "ts": "ts", "dz": "ts",
    "S": "sh", "Z": "sh", "tS": "sh", "dZ": "sh",
    "j": "palatal", ";": "palatal", "n^": "palatal", "l^": "palatal",
    "k": "k", "g": "g", "x": "k", "h": "schwa",
    "w": "w",
    "a": "a", "e": "e", "E": "E", "i": "i", "I": "i", "y": "i",
    "o": "o", "O": "O", "u": "u", "U": "u", "@": "schwa", "@-": "schwa", "3": "schwa",
    # English (espeak-ng "en", the GRID-like corpus): dental fricatives, allophones, vowels
    "T": "th", "D": "th", "r-": "r", "l/": "l", "n-": "n", "m-": "m", "w#": "w",
    "t#": "t", "d#": "d", "z#": "s", "z/": "s", "?": "schwa",
    "a#": "schwa", "aa": "a", "A": "a", "A#": "a", "A~": "a", "V": "a", "VR": "a",
    "0": "O", "0#": "O", "O~": "O", "I#": "i", "I2#": "i", "E#": "E", "e#": "E",
    "@#": "schwa", "@L": "schwa", "IR": "schwa",
    # English diphthongs: the first vowel's viseme; GLIDES gives the one they end at
    "aI": "a", "aI@": "a", "aU": "a", "aU@": "a", "eI": "e", "oU": "o", "oU#": "o", "OI": "O",
    "e@": "E", "i@": "i", "U@": "u", "u@": "u", "A@": "a", "O@": "O", "o@": "O",
}
GLIDES = {
    "aI": "i", "aI@": "schwa", "aU": "u", "aU@": "schwa", "eI": "i", "oU": "u", "oU#": "u", "OI": "i",
    "e@": "schwa", "i@": "schwa", "U@": "schwa", "u@": "schwa",
}
"""Diphthong -> the viseme its second half glides to (its first half is :data:`PHONEME_VISEMES`)."""
GLIDE_START = 0.5
"""Fraction of a diphthong's interval spent at its first viseme before the glide target takes over."""
_DECORATION = re.compile(r"[:\[\d]+$")
"""espeak-ng marks length (t:), dental place (t[) and variants (ts2, w2) after the base name."""


GRID_STEP_S = 0.002
"""Time resolution of the shape track before it is sampled at the frames."""


class VisemeError(LipflowError):
    """A phoneme with no viseme: extend PHONEME_VISEMES rather than guess."""


def _base(phoneme: str) -> str:
    """The :data:`PHONEME_VISEMES` key a (possibly decorated) espeak-ng phoneme name falls back to."""
    for name in (phoneme, _DECORATION.sub("", phoneme), phoneme.rstrip(":")):
        if name in PHONEME_VISEMES:
            return name
    raise VisemeError(f"espeak-ng phoneme {phoneme!r} has no viseme")


def viseme(phoneme: str) -> str:
    """The phoneme's viseme (a diphthong's first one)."""
    if phoneme.startswith(PAUSE_PREFIX):
        return "rest"
    return PHONEME_VISEMES[_base(phoneme)]


def glide(phoneme: str) -> str | None:
    """The viseme a diphthong ends at, or None for a phoneme that holds one shape."""
    if phoneme.startswith(PAUSE_PREFIX):
        return None
    return GLIDES.get(_base(phoneme))


def pose(name: str) -> np.ndarray:
    """A viseme's shape as a row in :data:`FIELDS` order, what :func:`shape_track` yields."""
    return np.array([getattr(VISEMES[name], f) for f in FIELDS])


@dataclass(frozen=True)
class Target:
    """A pose held from ``start`` to ``end`` (seconds of the utterance), gliding to ``glide`` from ``turn`` on."""

    start: float
    end: float
    pose: np.ndarray
    glide: np.ndarray | None = None
    turn: float = 0.0


def cartoon_targets(phones: list[Phone]) -> list[Target]:
    """One target per phone from the learnable per-phoneme table :data:`VISEMES`."""
    targets = []
    for phone in phones:
        target = glide(phone.name)
        turn = phone.start + GLIDE_START * (phone.end - phone.start)
        targets.append(Target(phone.start, phone.end, pose(viseme(phone.name)),
                              None if target is None else pose(target), turn))
    return targets


def shape_track(targets: list[Target], offset: float, frame_times: np.ndarray, coarticulation: float) -> np.ndarray:
    """Mouth shapes at ``frame_times`` (seconds), one row per frame, columns :data:`FIELDS`.

    Each target holds its pose for its interval (shifted by ``offset``, the lead-in), a
    diphthong its second pose from its turn on; a Gaussian of ``coarticulation`` seconds
    blends neighbours, and the track is averaged over each frame's exposure so short phones
    still leave a trace.
    """
    step = GRID_STEP_S
    rest = pose("rest")
    duration = float(frame_times[-1]) + 1.0 if len(frame_times) else 0.0
    grid = np.arange(0.0, duration, step)
    track = np.tile(rest, (len(grid), 1))
    for target in targets:
        inside = (grid >= target.start + offset) & (grid < target.end + offset)
        track[inside] = target.pose
        if target.glide is not None:
            track[(grid >= target.turn + offset) & (grid < target.end + offset)] = target.glide
    radius = int(3 * coarticulation / step)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) * step / coarticulation) ** 2) if radius else np.ones(1)
    kernel /= kernel.sum()
    padded = np.pad(track, ((radius, radius), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(padded[:, c], kernel, mode="valid") for c in range(track.shape[1])], axis=1)
    frame_step = float(np.median(np.diff(frame_times))) if len(frame_times) > 1 else step
    rows = []
    for t in frame_times:
        window = (grid >= t - frame_step / 2) & (grid < t + frame_step / 2)
        rows.append(smooth[window].mean(axis=0) if window.any() else smooth[min(int(t / step), len(grid) - 1)])
    return np.array(rows)
