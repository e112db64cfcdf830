"""Stage 9a: each 25 fps clip's audio -> log-mel frames locked to its mouth crops (``data/mel/<key>.npz``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .. import layout, media, mouthfile
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..files import write_npz
from ..l2s.mel import AUDIO, MEL, MelSettings, clip_mel, crop_locked, read_wave
from ..params import fingerprint
from ..project import Project
from ..records import Record, run_clip
from . import ClipStage, upstream

NAME = "mel"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = MelSettings.from_params(project.params)
    dest = layout.artefact(NAME, clip.key)
    earlier = upstream(clip.key, "fps", "mouth")

    def work() -> dict:
        dest.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            wav = Path(folder) / "audio.wav"
            media.extract_audio(layout.artefact("fps", clip.key), wav, settings.sample_rate)
            waveform = read_wave(wav, settings.sample_rate)
        crops = mouthfile.read_all(layout.artefact("mouth", clip.key))
        locked = crop_locked(waveform, crops["source_frames"], crops["mask"], settings.samples_per_video_frame)
        mel = clip_mel(locked, settings)
        write_npz(dest, {MEL: mel, AUDIO: locked})
        return {"output": str(dest), "mel_frames": len(mel),
                "audio_seconds": round(len(waveform) / settings.sample_rate, 3),
                "locked_seconds": round(len(locked) / settings.sample_rate, 3),
                "peak": round(float(np.abs(locked).max()), 4)}

    key = fingerprint(project.params["l2s"]["mel"], project.params["fps"]["fps"], [r.fingerprint for r in earlier],
                      code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
