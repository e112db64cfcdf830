"""Stage 1: any container and frame rate in, constant 25 fps MP4 out, audio kept."""

from __future__ import annotations

from .. import layout, media
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..files import file_hash
from ..params import fingerprint
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage

NAME = "fps"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = project.params[NAME]
    dest = layout.artefact(NAME, clip.key)

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

    key = fingerprint(settings, file_hash(clip.source), code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, force=force)


STAGE = ClipStage(NAME, run)
