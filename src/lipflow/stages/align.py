"""Stage 3: aeneas forced alignment of the fragments against the clip's audio -> JSON."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from .. import media
from ..datasets import Clip
from ..files import write_json
from ..layout import artefact, code_hash, stage_dir
from ..params import fingerprint, is_grid
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, StageError, record_path, run_clip
from . import ClipStage, not_needed_for_grid, upstream
from . import fps as fps_stage
from . import fragments as fragments_stage

NAME = "align"
AENEAS_SAMPLE_RATE = 16000
BOUNDARY_VALUE_KEYS = {
    "aftercurrent": "task_adjust_boundary_aftercurrent_value",
    "beforenext": "task_adjust_boundary_beforenext_value",
    "offset": "task_adjust_boundary_offset_value",
    "percent": "task_adjust_boundary_percent_value",
    "rate": "task_adjust_boundary_rate_value",
}


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


def json_path(clip_key: str) -> Path:
    return artefact(NAME, clip_key, ".json")


def aligned_lines(fragments_text: str, silence: str) -> str:
    """The fragments aeneas aligns. With ``silence: detect`` the ``sil`` pseudo-words are
    left out and aeneas finds the leading and trailing non-speech itself (its TTS would
    otherwise pronounce "sil" as a word, which pulls the first and last boundaries off)."""
    if silence == "fragments":
        return fragments_text
    return "".join(line + "\n" for line in fragments_text.splitlines() if line != fragments_stage.SILENCE)


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


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    if is_grid(project.params):
        return not_needed_for_grid(NAME, project, clip)
    settings = project.params["align"]
    dest = json_path(clip.key)
    earlier = upstream(clip.key, fps_stage.NAME, fragments_stage.NAME)

    def work() -> dict:
        sync_map = align_clip(fps_stage.video_path(clip.key), fragments_stage.fragments_path(clip.key), project.language, settings)
        write_json(dest, sync_map)
        return {"output": str(dest), "fragments": len(sync_map["fragments"])}

    key = fingerprint(settings, project.language, [r.fingerprint for r in earlier], code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
