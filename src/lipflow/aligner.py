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


def task_config(language: str, settings: dict) -> str:
    parts = {
        "task_language": language,
        "is_text_type": "plain",
        "os_task_file_format": "json",
        "task_adjust_boundary_algorithm": settings["boundary_algorithm"],
    }
    if settings["silence"] == "detect":
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


def runtime_config(settings: dict) -> str:
    """aeneas's runtime settings. Its espeak extension keeps state from one synthesis to the
    next, so the same clip aligned after others in one process came out up to an MFCC shift
    different (a whole-stage run and a per-clip run disagreed); each synthesis therefore runs in
    a fresh subprocess of this interpreter, which gives every clip the same result in any order."""
    return (
        f"cew_subprocess_enabled=True|cew_subprocess_path={sys.executable}"
        f"|mfcc_window_length={settings['mfcc_window_length']}"
        f"|mfcc_window_shift={settings['mfcc_window_shift']}"
        f"|mfcc_mask_nonspeech={settings['mask_nonspeech']}"
        f"|dtw_margin={settings['dtw_margin']}"
        + (f"|vad_min_nonspeech_length={settings['pause_min']}" if settings["pause_min"] else "")
    )


def align_audio(wav: Path, fragments: Path, language: str, settings: dict) -> dict:
    """Run aeneas on a mono WAV and a plain fragment file; return its JSON sync map."""
    from aeneas.executetask import ExecuteTask
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.task import Task

    task = Task(config_string=task_config(language, settings))
    task.audio_file_path_absolute = str(wav)
    task.text_file_path_absolute = str(fragments)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ExecuteTask(task, rconf=RuntimeConfiguration(runtime_config(settings))).execute()
    return json.loads(task.sync_map.json_string)


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
        text_file.write_text(aligned_lines(fragments.read_text(encoding="utf-8"), settings["silence"]), encoding="utf-8")
        sync_map = align_audio(wav, text_file, language, settings)
    if not sync_map.get("fragments"):
        raise StageError("aeneas returned no fragments")
    return sync_map
