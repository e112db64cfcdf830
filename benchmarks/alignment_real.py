"""Forced alignment on real speech against GRID's own alignment, beside the TTS-vs-TTS figure.

Word-boundary error is |aligned - reference| in video frames (25 fps) for the start and the end
of every word that is not ``sil``/``sp``, through the pipeline's own path: the clip re-timed by
the fps stage's code, aligned by ``lipflow.aligner.align_clip``, converted by
``lipflow.alignfile.from_aeneas`` (1/1000 frame), scored by ``alignfile.boundary_errors``.

- **real**: ``shared/fixtures/grid_aligned/bbaf2n.mpg`` (GRID speaker s1, "bin blue at f two
  now") against ``bbaf2n.align``, GRID's HTK alignment. The acceptance figure.
- **perturbed**: the same recording made into other voices and timings whose reference is known
  exactly: played 8% slower and 8% faster (resampled, so pitch and formants move with the
  rate, like a different speaker; reference times scaled) and started 13 and 27 ms later (the
  first 13/27 ms cut; reference shifted), so a setting cannot win by the luck of where this
  clip's boundaries fall on the MFCC grid.
- **unaligned**: the other real GRID fixtures (``shared/fixtures/grid``), which have no
  reference alignment: a check against gross errors only, the largest distance (frames) of the
  first word's start or the last word's end from where the clip is loud (its first and last
  10 ms within 10 dB of its loudest). A weak first consonant ("set") legitimately starts up
  to about 4 frames before that; a misplaced start or end shows as more.
- **tts eng / tts ita**: clips of the embedded corpus (``lipflow.synth``: espeak-ng speech)
  against the generator's word times; aeneas aligns with espeak's voice, so this is TTS against
  nearly the same TTS and flatters every setting. Italian is the default corpus's language.

Each row is a setting: ``params.yaml``'s ``align`` section with the row's values laid over it
(per language through ``align.languages``). Prints a table, then one JSON line. Run from the
repository root: ``python benchmarks/alignment_real.py [--settings NAME ...] [--try NAME:key=value,...]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import yaml

from lipflow import aligner, alignfile, grid, media, realspeech
from lipflow import params as params_mod
from lipflow.alignfile import Segment
from lipflow.errors import LipflowError
from lipflow.files import read_json
from lipflow.layout import TRUTH_SUFFIX
from lipflow.synth.plan import planned_clips
from lipflow.synth.write import synthesize_clip

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
REAL = FIXTURES / "grid_aligned" / "bbaf2n.mpg"
UNALIGNED = sorted((FIXTURES / "grid").glob("*.mpg"))
LOUD_DB = 10.0                 # unaligned clips: loud = within this of the clip's loudest 10 ms
LOUD_STEP, LOUD_WINDOW = 0.01, 0.025  # seconds: energy frames of the loudness check
SPEEDS = (0.92, 1.08)          # playback rate of the perturbed copies (resampled: pitch moves too)
DELAYS = (0.013, 0.027)        # seconds cut from the start (not multiples of any MFCC shift tried)
PREVIOUS = {                   # the defaults before issue 17
    "silence": "detect", "mfcc_window_length": 0.1, "mfcc_window_shift": 0.02, "mask_nonspeech": False,
    "pause_min": 0, "edge_window": 0, "boundary_algorithm": "percent", "boundary_value": 50, "dtw_margin": 60.0,
    "languages": {},
}
SETTINGS = {                   # the rows tried: name -> values laid over params.yaml's align section
    "default": {},
    "previous": PREVIOUS,
    "previous+fragments": {**PREVIOUS, "silence": "fragments"},
    "no-mask": {"mask_nonspeech": False},
    "window-0.1-shift-0.02": {"mfcc_window_length": 0.1, "mfcc_window_shift": 0.02},
    "window-0.1": {"mfcc_window_length": 0.1},
    "window-0.025": {"mfcc_window_length": 0.025},
    "shift-0.02": {"mfcc_window_shift": 0.02},
    "shift-0.005": {"mfcc_window_shift": 0.005},
    "boundary-auto": {"boundary_algorithm": "auto"},
    "boundary-aftercurrent": {"boundary_algorithm": "aftercurrent", "boundary_value": 0},
    "silence-fragments": {"silence": "fragments"},
    "no-pause": {"pause_min": 0},
    "pause-0.1": {"pause_min": 0.1},
    "pause-0.2": {"pause_min": 0.2},
    "no-edge-snap": {"edge_window": 0},
    "edge-window-0.04": {"edge_window": 0.04},
    "dtw-margin-0.5": {"dtw_margin": 0.5},
}


class Case:
    """One clip to align: its 25 fps video, language, words and reference segments (1/1000 frame)."""

    def __init__(self, kind: str, name: str, video: Path, language: str, reference: list[Segment], frames: int):
        self.kind, self.name, self.video, self.language = kind, name, video, language
        self.reference, self.frames = reference, frames


def _retimed(source: Path, dest: Path, params: dict) -> int:
    """The fps stage's conversion of ``source``; returns its frame count."""
    fps = params["fps"]
    info = media.convert_fps(source, dest, fps["fps"], fps["crf"], fps["preset"], fps["audio_sample_rate"])
    return info["output"]["frames"]


def _perturbed(source: Path, dest: Path, speed: float, delay: float) -> None:
    """``source`` played ``speed`` times faster (resampled) after cutting its first ``delay`` s."""
    import ffmpeg

    audio = ffmpeg.input(str(source)).audio.filter("atrim", start=delay).filter("asetpts", "PTS-STARTPTS")
    rate = aligner.AENEAS_SAMPLE_RATE
    audio = audio.filter("aresample", rate).filter("asetrate", round(rate * speed)).filter("aresample", rate)
    ffmpeg.output(audio, str(dest), ac=1).overwrite_output().run(quiet=True)


def _moved(reference: list[Segment], speed: float, delay: float, fps: float) -> list[Segment]:
    shift = delay * fps * alignfile.FRAME_UNIT
    return [Segment(round((s.begin - shift) / speed), round((s.end - shift) / speed), s.word) for s in reference]


def real_cases(params: dict, folder: Path) -> list[Case]:
    fps = params["fps"]["fps"]
    reference = alignfile.read_align(REAL.with_suffix(grid.ALIGN_SUFFIX))
    video = folder / "real.mp4"
    frames = _retimed(REAL, video, params)
    cases = [Case("real", REAL.stem, video, "eng", reference, frames)]
    for speed, delay in [(s, 0.0) for s in SPEEDS] + [(1.0, d) for d in DELAYS]:
        name = f"{REAL.stem}@x{speed:g}-{delay * 1000:g}ms"
        wav = folder / f"{name}.wav"
        _perturbed(REAL, wav, speed, delay)
        length = math.ceil((frames / fps - delay) / speed * fps)
        cases.append(Case("perturbed", name, wav, "eng", _moved(reference, speed, delay, fps), length))
    return cases


def loud_span(wav: Path, fps: float) -> tuple[float, float]:
    """First and last time (frames) the audio is within ``LOUD_DB`` of its loudest energy frame."""
    with wave.open(str(wav)) as handle:
        rate = handle.getframerate()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    step, window = round(LOUD_STEP * rate), round(LOUD_WINDOW * rate)
    frames = np.lib.stride_tricks.sliding_window_view(samples.astype(float), window)[::step]
    energy = 10 * np.log10(np.mean(frames ** 2, axis=1) + np.finfo(float).tiny)
    loud = np.flatnonzero(energy >= energy.max() - LOUD_DB)
    return loud[0] * LOUD_STEP * fps, (loud[-1] * LOUD_STEP + LOUD_WINDOW) * fps


def unaligned_cases(params: dict, folder: Path) -> list[tuple[Path, str, tuple[float, float], int]]:
    """(25 fps video, sentence, loud span in frames, frames) of each real fixture without a reference."""
    cases = []
    for source in UNALIGNED:
        video, wav = folder / f"{source.stem}.mp4", folder / f"{source.stem}.wav"
        frames = _retimed(source, video, params)
        media.extract_audio(video, wav, aligner.AENEAS_SAMPLE_RATE)
        cases.append((video, grid.sentence(source.stem), loud_span(wav, params["fps"]["fps"]), frames))
    return cases


def edge_gaps(case: tuple, align: dict, params: dict, max_len: int) -> list[float]:
    video, sentence, (loud_start, loud_end), frames = case
    segments = realspeech.aligned_segments(video, sentence, "eng", align, params["fps"]["fps"], frames, max_len)
    spoken = [s for s in segments if s.word not in alignfile.SILENCE_TOKENS]
    return [abs(spoken[0].begin / alignfile.FRAME_UNIT - loud_start),
            abs(spoken[-1].end / alignfile.FRAME_UNIT - loud_end)]


def tts_cases(params: dict, folder: Path, kind: str, language: str, speakers: int, per_speaker: int) -> list[Case]:
    """``speakers`` x ``per_speaker`` clips of the embedded corpus in ``language``."""
    fps = params["fps"]["fps"]
    params = copy.deepcopy(params)
    params["dataset"].update(kind=kind, language=language,
                             sentences="builtin:grid" if kind == "grid_synthetic" else "builtin:italian")
    params["synth"].update(speakers=speakers, extra_sentences=None, sentences_per_speaker=per_speaker,
                           sentence_ids=["0", "3", "6", "12", "14", "16"][:per_speaker])
    root = folder / kind
    cases = []
    for relpath in planned_clips(params):
        try:
            synthesize_clip(params, relpath, root)
        except LipflowError as error:  # the synth stage would fail this clip too
            print(f"skipped {kind} {relpath}: {error}")
            continue
        truth = read_json(root / relpath.replace(".mpg", TRUTH_SUFFIX))
        video = folder / f"{kind}-{relpath.replace('/', '-')}.mp4"
        frames = _retimed(root / relpath, video, params)
        cases.append(Case(f"tts {language}", relpath, video, language,
                          alignfile.word_segments(truth["words"], fps), frames))
    return cases


def overlay(align: dict, values: dict) -> dict:
    merged = {**copy.deepcopy(align), **copy.deepcopy(values)}
    if "languages" not in values:
        merged["languages"] = copy.deepcopy(align.get("languages") or {})
    return merged


def parse_try(text: str) -> tuple[str, dict]:
    """``NAME:key=value,key=value`` (values read as YAML) -> (NAME, values)."""
    name, _, pairs = text.partition(":")
    values = {}
    for pair in filter(None, pairs.split(",")):
        key, _, value = pair.partition("=")
        values[key.strip()] = yaml.safe_load(value)
    return name, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS),
                        help=f"rows of the table: {', '.join(SETTINGS)}")
    parser.add_argument("--try", dest="tried", action="append", default=[], metavar="NAME:key=value,...",
                        help="one more row: these align values laid over params.yaml's")
    parser.add_argument("--tts-speakers", type=int, default=3, help="speakers per language of the TTS clips (0: none)")
    parser.add_argument("--tts-clips", type=int, default=4, help="clips per speaker of the TTS clips")
    args = parser.parse_args()
    params = params_mod.load(args.params)
    rows = {name: SETTINGS[name] for name in args.settings}
    rows.update(parse_try(text) for text in args.tried)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lipflow-bench-") as work:
        folder = Path(work)
        cases = real_cases(params, folder)
        if args.tts_speakers and args.tts_clips:
            cases += tts_cases(params, folder, "grid_synthetic", "eng", args.tts_speakers, args.tts_clips)
            cases += tts_cases(params, folder, "synthetic", "ita", args.tts_speakers, args.tts_clips)
        unaligned = unaligned_cases(params, folder)
        kinds = list(dict.fromkeys(case.kind for case in cases)) + ["unaligned"]
        table = {}
        max_len = params["labels"]["absolute_max_string_len"]
        for name, values in rows.items():
            align = overlay(params["align"], values)
            found = {kind: [] for kind in kinds}
            for case in cases:
                found[case.kind] += realspeech.scored(case.video, case.reference, case.language, align,
                                                      params["fps"]["fps"], case.frames, max_len)
            for case in unaligned:
                found["unaligned"] += edge_gaps(case, align, params, max_len)
            table[name] = {kind: np.array(values) for kind, values in found.items()}
    boundaries = {kind: len(next(iter(table.values()))[kind]) for kind in kinds}
    print(f"word-boundary error in frames (mean / worst): real = GRID's alignment of {REAL.stem}; "
          f"perturbed = {len(SPEEDS) + len(DELAYS)} resampled/shifted copies; tts = espeak-ng clips vs their truth; "
          f"unaligned = first start / last end of {len(UNALIGNED)} GRID clips vs where they are loud "
          "(gross errors only)")
    print("boundaries: " + ", ".join(f"{kind} {n}" for kind, n in boundaries.items()))
    print(f"{'setting':<28}" + "".join(f"{kind:>16}" for kind in kinds))
    for name, found in table.items():
        print(f"{name:<28}" + "".join(f"{found[k].mean():>9.2f} /{found[k].max():>5.2f}" for k in kinds))
    for name, values in rows.items():
        print(f"  {name}: {json.dumps(values) if values else 'params.yaml as it is'}")
    print(f"{time.perf_counter() - started:.0f} s")
    figures = {f"{kind.replace(' ', '_')}_boundaries": n for kind, n in boundaries.items()}
    for name, found in table.items():
        for kind in kinds:
            key = f"{name}_{kind.replace(' ', '_')}"
            figures[f"{key}_mean_frames"] = round(float(found[kind].mean()), 3)
            figures[f"{key}_max_frames"] = round(float(found[kind].max()), 3)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
