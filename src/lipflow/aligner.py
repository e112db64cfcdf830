"""Forced alignment with aeneas: fragment text in, aeneas's JSON sync map out.

aeneas is imported only when an alignment runs, so the stages and the CLI start fast.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from . import media, text
from .alignfile import SILENCE_TOKENS
from .errors import StageError

SILENCE = SILENCE_TOKENS[0]
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
    return "|".join(f"{k}={v}" for k, v in parts.items())


def runtime_config(settings: dict) -> str:
    return (
        f"mfcc_window_length={settings['mfcc_window_length']}"
        f"|mfcc_window_shift={settings['mfcc_window_shift']}"
        f"|dtw_margin={settings['dtw_margin']}"
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


def align_clip(video: Path, fragments: Path, language: str, settings: dict) -> dict:
    """Align one clip. aeneas sees only files with plain names in a private folder, so any
    character in the dataset's paths is safe."""
    with tempfile.TemporaryDirectory(prefix="lipflow-align-") as work:
        wav = Path(work) / "audio.wav"
        text_file = Path(work) / "fragments.txt"
        media.extract_audio(video, wav, AENEAS_SAMPLE_RATE)
        text_file.write_text(aligned_lines(fragments.read_text(encoding="utf-8"), settings["silence"]), encoding="utf-8")
        sync_map = align_audio(wav, text_file, language, settings)
    if not sync_map.get("fragments"):
        raise StageError("aeneas returned no fragments")
    return sync_map
