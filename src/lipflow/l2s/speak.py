"""One silent video -> speech: the mouth crops the pipeline would make, the generator, Griffin-Lim.

The voice comes from a reference recording of the speaker (any audio or video file with
sound), as in training where it is another utterance of the same speaker; without one, the
first training clip's voice is used, and the result says so.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from .. import layout, mouthfile, splitfile
from ..errors import StageError
from ..files import atomic_path
from ..media import extract_audio
from ..models import load_model
from ..splitfile import TRAIN
from ..train.data import clip_path
from ..vision import any_video
from .mel import MEL, MelSettings, read_wave
from .models import FRAMES, REFERENCE


@dataclass
class Speech:
    wav: Path
    seconds: float
    voice: str
    """Where the reference mel came from."""


def voice_mel(voice: Path | None, settings: MelSettings, split_tsv: Path, mel_dir: Path) -> tuple[np.ndarray, str]:
    if voice is not None:
        with tempfile.TemporaryDirectory(prefix="lipflow-voice-") as folder:
            wav = Path(folder) / "voice.wav"
            extract_audio(Path(voice), wav, settings.sample_rate)
            return settings.log_mel(read_wave(wav, settings.sample_rate)), str(voice)
    training = [row for row in splitfile.read(split_tsv) if row.split == TRAIN]
    if not training:
        raise StageError("no --voice given and no training clip to borrow a voice from")
    return mouthfile.read_frames(clip_path(mel_dir, training[0].clip), MEL), f"training clip {training[0].clip}"


def speak(params: dict, video: Path, generator_path: Path, dest: Path, voice: Path | None = None,
          split_tsv: Path = layout.SPLIT_TABLE, mel_dir: Path = layout.STAGE_DIRS["mel"]) -> Speech:
    """Write ``dest`` (WAV at l2s.mel.sample_rate); raises StageError with a one-line reason."""
    if not Path(generator_path).is_file():
        raise StageError(f"{generator_path}: generator not found (run lipflow train-l2s, or pass --model)")
    settings = MelSettings.from_params(params)
    reference, source = voice_mel(voice, settings, split_tsv, mel_dir)
    mouths = any_video.mouths_of(Path(video), params)
    generator = load_model(generator_path)
    expected = next(tuple(tensor.shape[1:]) for tensor in generator.inputs if tensor.name == FRAMES)
    if mouths.frames.shape != expected:
        raise StageError(f"mouth crops of shape {mouths.frames.shape} do not fit the generator input {expected}: "
                         "params.yaml mouth differs from the generator's training")
    inputs = {FRAMES: mouths.frames[None].astype(np.float32), REFERENCE: reference[None]}
    waveform = settings.to_audio(np.asarray(generator(inputs, training=False)[MEL])[0])
    with atomic_path(Path(dest)) as tmp:
        soundfile.write(tmp, waveform, settings.sample_rate, format="WAV")
    return Speech(Path(dest), len(waveform) / settings.sample_rate, source)
