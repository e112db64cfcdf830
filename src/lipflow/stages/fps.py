"""Stage 1: any container and frame rate in, constant 25 fps MP4 out, audio kept."""

from __future__ import annotations


from .. import media
from ..datasets import Clip
from ..layout import artefact, code_hash, file_hash, stage_dir
from ..params import fingerprint
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, record_path, run_clip
from . import ClipStage

NAME = "fps"


def video_path(clip_key: str):
    return artefact(NAME, clip_key, ".mp4")


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = project.params["fps"]
    dest = video_path(clip.key)

    def work() -> dict:
        probes = media.convert_fps(clip.source, dest, **settings)
        return {
            "source": str(clip.source),
            "input_fps": probes["input"].get("measured_fps"),
            "input_avg_frame_rate": probes["input"].get("avg_frame_rate"),
            "input_container": probes["input"]["container"],
            "input_duration": probes["input"].get("duration"),
            "input_frames": probes["input"].get("frames"),
            "input_size": f"{probes['input'].get('width')}x{probes['input'].get('height')}",
            "audio_codec": probes["input"].get("audio_codec"),
            "audio_sample_rate": probes["input"].get("audio_sample_rate"),
            "output": str(dest),
            "frames": probes["output"]["frames"],
            "duration": probes["output"]["duration"],
            "probe": probes,
        }

    key = fingerprint(settings, file_hash(clip.source), code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, force=force)


STAGE = ClipStage(NAME, run)
