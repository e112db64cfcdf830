"""Forced-alignment error on real speech, against a reference word alignment.

The synthetic corpus's truth only measures aeneas's espeak voice against espeak-ng speech: TTS
against nearly the same TTS, which flatters every setting. ``reference/`` therefore ships one
real recording with a word alignment made independently of aeneas: GRID speaker s1's
``bbaf2n`` ("bin blue at f two now"; the GRID audio-visual corpus, Cooke et al., JASA 2006,
CC BY 4.0) with GRID's own HTK alignment (``bbaf2n.align``, 1/1000 of a 25 fps frame). The
audio is what lipflow's align stage hears of that clip: the fps stage's 16 kHz AAC track
(``lipflow.media.convert_fps`` with the default ``fps`` params), decoded and stored losslessly
as FLAC, so aligning it gives the same boundaries as aligning ``shared/fixtures/grid_aligned/
bbaf2n.mpg`` through the pipeline (``benchmarks/alignment_real.py`` does that, and more).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import aligner, alignfile, grid
from .alignfile import Segment

PACKAGE_DATA = ("reference",)
REFERENCE = Path(__file__).parent / "reference"
AUDIO_SUFFIX = ".flac"
CLIPS = (("bbaf2n", "eng"),)
"""(name, aeneas language) of each reference recording: ``<name>.flac`` + ``<name>.align``."""


def aligned_segments(media_path: Path, words: str, language: str, align: dict, fps: float, frames: int,
                     max_len: int) -> list[Segment]:
    """Align ``media_path`` saying ``words`` as the align stage would and convert it as
    align-convert would (``frames`` frames at ``fps``)."""
    with tempfile.TemporaryDirectory(prefix="lipflow-score-") as work:
        fragments = Path(work) / "fragments.txt"
        fragments.write_text(aligner.fragments_text(words, language, max_len), encoding="utf-8")
        sync_map = aligner.align_clip(media_path, fragments, language, align)
    return alignfile.from_aeneas(sync_map, fps, frames)


def scored(media_path: Path, reference: list[Segment], language: str, align: dict, fps: float, frames: int,
           max_len: int) -> list[float]:
    """Word-boundary errors (frames) of :func:`aligned_segments` against ``reference``."""
    words = " ".join(alignfile.spoken_words(reference))
    return alignfile.boundary_errors(aligned_segments(media_path, words, language, align, fps, frames, max_len),
                                     reference)


def reference_errors(align: dict, max_len: int) -> list[float]:
    """Word-boundary errors (frames at GRID's 25 fps) of the ``align`` params on the shipped recordings."""
    errors = []
    for name, language in CLIPS:
        reference = alignfile.read_align(REFERENCE / f"{name}{grid.ALIGN_SUFFIX}")
        errors += scored(REFERENCE / f"{name}{AUDIO_SUFFIX}", reference, language, align, grid.FPS, grid.FRAMES,
                         max_len)
    return errors
