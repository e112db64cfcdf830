"""Realistic articulation: viseme classes that real lips merge, speaker styles, utterance variation.

The class table follows the MPEG-4 Face and Body Animation standard (ISO/IEC 14496-2,
visemes 1-14; Pandzic & Forchheimer, "MPEG-4 Facial Animation", 2002): p/b/m share one
mouth shape, as do f/v, t/d, k/g, the postalveolars, s/z and n/l. Every phoneme of a class
gets exactly the same target, teeth and tongue included, so a single frame cannot tell them
apart; only timing and context can, as with real lips. On top of the class targets, each
speaker has an articulation style (:class:`Style`) and each utterance varies (timing jitter,
amplitude noise), so the same sentence never moves the mouth the same way twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .speech import Phone
from .visemes import GLIDE_START, Shape, Target, glide, viseme

#                        open  width round  up  low tongue t_h  lips tuck
CLASS_SHAPES = {
    "rest":      Shape(0.00, 1.00, 0.2, 0.0, 0.0, 0.0, 0.0, 1.00, 0.0),
    "pbm":       Shape(0.00, 0.97, 0.1, 0.0, 0.0, 0.0, 0.0, 0.80, 0.0),   # MPEG-4 viseme 1
    "fv":        Shape(0.10, 1.00, 0.1, 0.8, 0.0, 0.0, 0.0, 0.90, 1.0),   # 2
    "th":        Shape(0.16, 1.02, 0.1, 0.5, 0.3, 0.8, 0.7, 0.95, 0.0),   # 3
    "td":        Shape(0.14, 1.03, 0.2, 0.5, 0.4, 0.3, 0.9, 0.95, 0.0),   # 4
    "kg":        Shape(0.24, 1.00, 0.3, 0.3, 0.2, 0.3, 0.2, 1.00, 0.0),   # 5
    "ch":        Shape(0.14, 0.84, 0.8, 0.7, 0.6, 0.0, 0.0, 1.25, 0.0),   # 6
    "sz":        Shape(0.07, 1.08, 0.1, 0.8, 0.7, 0.0, 0.0, 0.90, 0.0),   # 7
    "nl":        Shape(0.18, 1.00, 0.2, 0.4, 0.2, 0.6, 0.9, 1.00, 0.0),   # 8
    "r":         Shape(0.20, 0.94, 0.4, 0.2, 0.3, 0.5, 0.5, 1.05, 0.0),   # 9
    "A":         Shape(0.72, 1.04, 0.5, 0.4, 0.2, 0.3, 0.0, 1.00, 0.0),   # 10
    "e":         Shape(0.30, 1.10, 0.2, 0.5, 0.3, 0.2, 0.2, 0.95, 0.0),   # 11
    "I":         Shape(0.16, 1.16, 0.0, 0.7, 0.6, 0.1, 0.1, 0.90, 0.0),   # 12
    "O":         Shape(0.46, 0.82, 0.9, 0.1, 0.0, 0.2, 0.0, 1.20, 0.0),   # 13
    "U":         Shape(0.16, 0.68, 1.0, 0.0, 0.0, 0.0, 0.0, 1.35, 0.0),   # 14
}
CLASS_OF_VISEME = {
    "rest": "rest", "p": "pbm", "b": "pbm", "m": "pbm", "f": "fv", "v": "fv", "th": "th",
    "t": "td", "d": "td", "k": "kg", "g": "kg", "sh": "ch", "s": "sz", "ts": "sz", "n": "nl", "l": "nl",
    "r": "r", "palatal": "I", "w": "U", "a": "A", "e": "e", "E": "e", "schwa": "e", "i": "I",
    "o": "O", "O": "O", "u": "U",
}
"""The per-phoneme cartoon visemes (:data:`lipflow.synth.visemes.VISEMES`) -> their MPEG-4 class."""

STYLE_STREAM = 3                 # the random stream that draws a speaker's articulation style
AMPLITUDE = (0.8, 1.25)          # how far a speaker's mouth moves from rest, as a gain
WIDTH_GAIN = (0.5, 1.5)          # how much of the spreading and rounding a speaker makes
ASYMMETRY = (-0.25, 0.25)        # one corner moves more than the other, fraction of the movement
SPEED = (0.6, 1.3)               # the coarticulation time constant's gain: slow speakers blur more
TEETH = (0.4, 1.2)               # how much of their teeth a speaker shows


@dataclass(frozen=True)
class Style:
    """How one speaker articulates; the same class target looks different on each speaker."""

    amplitude: float
    width_gain: float
    asymmetry: float
    speed: float
    teeth: float


def speaker_style(seed: int, index: int) -> Style:
    rng = np.random.default_rng([seed, index, STYLE_STREAM])
    return Style(*(round(float(rng.uniform(*bounds)), 3)
                   for bounds in (AMPLITUDE, WIDTH_GAIN, ASYMMETRY, SPEED, TEETH)))


def class_of(phoneme: str) -> str:
    return CLASS_OF_VISEME[viseme(phoneme)]


def class_pose(name: str) -> np.ndarray:
    shape = CLASS_SHAPES[name]
    return np.array([getattr(shape, f) for f in shape.__dataclass_fields__])


REST = class_pose("rest")
OPEN, WIDTH, ROUND, UPPER_TEETH, LOWER_TEETH = 0, 1, 2, 3, 4


def styled(row: np.ndarray, style: Style, gain: float) -> np.ndarray:
    """A class pose as this speaker makes it in this utterance: movement from rest scaled."""
    out = REST + (row - REST) * style.amplitude * gain
    out[WIDTH] = REST[WIDTH] + (row[WIDTH] - REST[WIDTH]) * style.width_gain * gain
    out[[UPPER_TEETH, LOWER_TEETH]] = np.clip(row[[UPPER_TEETH, LOWER_TEETH]] * style.teeth, 0, 1)
    out[OPEN] = max(out[OPEN], 0.0)
    return out


def realistic_targets(phones: list[Phone], style: Style, rng: np.random.Generator, jitter: float,
                      amplitude_noise: float) -> list[Target]:
    """One target per phone from its class, styled, with boundaries jittered by ``jitter`` seconds
    (never past a neighbour's) and each phone's movement scaled by a gain of sd ``amplitude_noise``."""
    if not phones:
        return []
    times = np.array(sorted({t for p in phones for t in (p.start, p.end)}))
    moved = np.maximum.accumulate(times + rng.normal(0, jitter, len(times))) if jitter > 0 else times
    at = dict(zip(times.tolist(), moved.tolist(), strict=True))
    gains = (np.clip(rng.normal(1.0, amplitude_noise, len(phones)), 0.3, 1.7) if amplitude_noise > 0
             else np.ones(len(phones)))
    targets = []
    for phone, gain in zip(phones, gains, strict=True):
        start, end = at[phone.start], at[phone.end]
        end_glide = glide(phone.name)
        targets.append(Target(
            float(start), float(end), styled(class_pose(class_of(phone.name)), style, gain),
            None if end_glide is None else styled(class_pose(CLASS_OF_VISEME[end_glide]), style, gain),
            float(start + GLIDE_START * (end - start)),
        ))
    return targets

