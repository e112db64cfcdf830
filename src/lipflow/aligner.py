"""Forced alignment with aeneas: fragment text in, aeneas's JSON sync map out.

aeneas is imported only when an alignment runs, so the stages and the CLI start fast.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

from . import media, text
from .alignfile import SILENCE_TOKENS
from .errors import StageError

SILENCE, PAUSE = SILENCE_TOKENS
AENEAS_SAMPLE_RATE = 16000
BOUNDARY_VALUE_KEYS = {
    "aftercurrent": "task_adjust_boundary_aftercurrent_value",
    "beforenext": "task_adjust_boundary_beforenext_value",
    "offset": "task_adjust_boundary_offset_value",
    "percent": "task_adjust_boundary_percent_value",
    "rate": "task_adjust_boundary_rate_value",
}


def fragments_text(sentence: str, language: str, max_len: int) -> str:
    """One fragment per line; the ``sil`` lines let aeneas absorb leading and trailing silence."""
    label = text.normalise(sentence, language)
    if not label:
        raise StageError(f"sentence {sentence!r} has no words after normalisation")
    if len(label) > max_len:
        raise StageError(
            f"transcript {label!r} has {len(label)} characters, more than "
            f"labels.absolute_max_string_len = {max_len}"
        )
    return "\n".join([SILENCE, *label.split(), SILENCE]) + "\n"


def task_config(language: str, settings: dict, edges: tuple[float, float] | None = None) -> str:
    """aeneas's task settings; ``edges`` are the lengths (s) of the leading and trailing
    non-speech, given explicitly instead of letting aeneas detect them in the masked analysis."""
    parts = {
        "task_language": language,
        "is_text_type": "plain",
        "os_task_file_format": "json",
        "task_adjust_boundary_algorithm": settings["boundary_algorithm"],
    }
    if edges is not None:
        parts["is_audio_file_head_length"], parts["is_audio_file_tail_length"] = (f"{e:.3f}" for e in edges)
    elif settings["silence"] == "detect":
        parts["is_audio_file_detect_head_max"] = settings["detect_head_max"]
        parts["is_audio_file_detect_tail_max"] = settings["detect_tail_max"]
    value_key = BOUNDARY_VALUE_KEYS.get(settings["boundary_algorithm"])
    if value_key:
        parts[value_key] = settings["boundary_value"]
    if settings["pause_min"]:
        parts["task_adjust_boundary_nonspeech_min"] = settings["pause_min"]
        parts["task_adjust_boundary_nonspeech_string"] = PAUSE
    return "|".join(f"{k}={v}" for k, v in parts.items())


def settings_for(align: dict, language: str) -> dict:
    """The ``align`` params for one language: the shared values with ``align.languages[language]``
    laid over them (the ``languages`` table itself is left out)."""
    shared = {key: value for key, value in align.items() if key != "languages"}
    return {**shared, **(align.get("languages") or {}).get(language, {})}


SYNTHESIS_CONFIG = f"cew_subprocess_enabled=True|cew_subprocess_path={sys.executable}"
"""aeneas's espeak extension keeps state from one synthesis to the next, so the same clip aligned
after others in one process came out up to an MFCC step different (a whole-stage run and a
per-clip run disagreed); each synthesis runs in a fresh subprocess of this interpreter instead,
which gives every clip the same result in any order."""


def runtime_config(settings: dict) -> str:
    """aeneas's runtime settings for the word alignment."""
    return (
        f"{SYNTHESIS_CONFIG}"
        f"|mfcc_window_length={settings['mfcc_window_length']}"
        f"|mfcc_window_shift={settings['mfcc_window_shift']}"
        f"|mfcc_mask_nonspeech={settings['mask_nonspeech']}"
        f"|dtw_margin={settings['dtw_margin']}"
        + (f"|vad_min_nonspeech_length={settings['pause_min']}" if settings["pause_min"] else "")
    )


def speech_edges(wav: Path, fragments: Path, language: str, settings: dict) -> tuple[float, float]:
    """Lengths (s) of the leading and trailing non-speech, found by aeneas's own detector (SD)
    under aeneas's default analysis, the one it was built with.

    SD tries each start of a speech interval of aeneas's voice activity detection and keeps the
    one whose audio best matches the synthesised start of the text. Under the masked word
    analysis aeneas hands SD its mask, where any one-frame dip starts an interval, and on real
    GRID clips SD then took a noise burst 7 frames before the speech for its start.
    """
    from aeneas.audiofilemfcc import AudioFileMFCC
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.sd import SD
    from aeneas.textfile import TextFile

    rconf = RuntimeConfiguration(SYNTHESIS_CONFIG)
    text = TextFile(str(fragments), file_format="plain", parameters={"language": language})
    text.set_language(language)
    detector = SD(AudioFileMFCC(str(wav), rconf=rconf), text, rconf=rconf)
    return (float(detector.detect_head(None, settings["detect_head_max"])),
            float(detector.detect_tail(None, settings["detect_tail_max"])))


def speech_runs(wav: Path, settings: dict) -> list[tuple[float, float]]:
    """(begin, end) in seconds of every stretch aeneas's speech mask (the word analysis's MFCC
    and its non-speech masking threshold) calls speech."""
    from aeneas.audiofilemfcc import AudioFileMFCC
    from aeneas.runtimeconfiguration import RuntimeConfiguration

    rconf = RuntimeConfiguration(runtime_config(settings))
    mfcc = AudioFileMFCC(str(wav), rconf=rconf)
    mfcc.run_vad(log_energy_threshold=rconf[RuntimeConfiguration.MFCC_MASK_LOG_ENERGY_THRESHOLD],
                 min_nonspeech_length=rconf[RuntimeConfiguration.MFCC_MASK_MIN_NONSPEECH_LENGTH],
                 extend_before=0, extend_after=0)
    return [(float(run.begin), float(run.end)) for run in mfcc.intervals(speech=True, time=True)]


def snap_edges(sync_map: dict, runs: list[tuple[float, float]], window: float) -> dict:
    """Move the first word's start to the start of the speech run it falls in (or of the next
    one) and the last word's end to the end of its run (or of the previous one), each only when
    that edge is at most ``window`` seconds away; the neighbouring silence follows."""
    fragments = sync_map["fragments"]
    words = [i for i, f in enumerate(fragments) if f.get("lines") and f["lines"][0] not in SILENCE_TOKENS]
    if not words or not runs or window <= 0:
        return sync_map
    first, last = words[0], words[-1]
    start, end = float(fragments[first]["begin"]), float(fragments[last]["end"])
    after = [b for b, e in runs if b <= start < e] or [b for b, _ in runs if b >= start]
    if after and abs(after[0] - start) <= window and after[0] < end:
        _move(fragments, first, "begin", after[0])
        start = after[0]
    before = [e for b, e in runs if b < end <= e] or [e for _, e in runs if e <= end][-1:]
    if before and abs(before[0] - end) <= window and before[0] > start:
        _move(fragments, last, "end", before[0])
    return sync_map


def _move(fragments: list[dict], index: int, side: str, seconds: float) -> None:
    """Set one side of a fragment and the touching side of its neighbour (aeneas's times are strings)."""
    value = f"{seconds:.3f}"
    fragments[index][side] = value
    neighbour = index - 1 if side == "begin" else index + 1
    if 0 <= neighbour < len(fragments):
        fragments[neighbour]["end" if side == "begin" else "begin"] = value


def align_audio(wav: Path, fragments: Path, language: str, settings: dict) -> dict:
    """Run aeneas on a mono WAV and a plain fragment file; return its JSON sync map, the first
    word's start and the last word's end snapped to the speech runs (:func:`snap_edges`)."""
    from aeneas.executetask import ExecuteTask
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.task import Task

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        edges = speech_edges(wav, fragments, language, settings) if settings["silence"] == "detect" else None
        task = Task(config_string=task_config(language, settings, edges))
        task.audio_file_path_absolute = str(wav)
        task.text_file_path_absolute = str(fragments)
        ExecuteTask(task, rconf=RuntimeConfiguration(runtime_config(settings))).execute()
        runs = speech_runs(wav, settings) if settings["edge_window"] else []
    return snap_edges(json.loads(task.sync_map.json_string), runs, settings["edge_window"])


def aligned_lines(fragments: str, silence: str) -> str:
    """The fragments aeneas aligns. With ``silence: detect`` the ``sil`` pseudo-words are
    left out and aeneas finds the leading and trailing non-speech itself (its TTS would
    otherwise pronounce "sil" as a word, which pulls the first and last boundaries off)."""
    if silence == "fragments":
        return fragments
    return "".join(line + "\n" for line in fragments.splitlines() if line != SILENCE)


def align_clip(video: Path, fragments: Path, language: str, align: dict) -> dict:
    """Align one clip with the ``align`` params (:func:`settings_for` the language). aeneas sees
    only files with plain names in a private folder, so any character in the dataset's paths is safe."""
    settings = settings_for(align, language)
    with tempfile.TemporaryDirectory(prefix="lipflow-align-") as work:
        wav = Path(work) / "audio.wav"
        text_file = Path(work) / "fragments.txt"
        media.extract_audio(video, wav, AENEAS_SAMPLE_RATE)
        text_file.write_text(aligned_lines(fragments.read_text(encoding="utf-8"), settings["silence"]),
                             encoding="utf-8")
        sync_map = align_audio(wav, text_file, language, settings)
    if not sync_map.get("fragments"):
        raise StageError("aeneas returned no fragments")
    return sync_map
