"""Log-mel spectrograms of the clips' audio, frame-locked to the mouth crops, and back to audio.

The settings are the reference system's (reference.md section 6): 16 kHz, n_fft 1024, window 640,
hop 160, 80 mels from 55 to 7500 Hz, natural log. At 25 fps a video frame lasts 640 samples, so
4 mel frames belong to each crop. The filterbank, the STFT and Griffin-Lim are librosa's.
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import StageError
from ..mouthfile import PADDED

MEL = "mel"
"""The log-mel array (frames x n_mels float32) in a clip's mel ``.npz``."""
AUDIO = "audio"
"""The crop-locked waveform (float32, the mel sample rate) beside it: what STOI compares against."""
ONE_THREAD = 1
"""BLAS threads for the filterbank products: with more, sums run in another order and the mels differ
in the last bits between a Snakemake job (one thread) and a DVC stage (every core)."""
LOG_FLOOR = 1e-5
"""Power below this is silence: ``log(LOG_FLOOR)`` is the value of a silent mel bin."""


@dataclass(frozen=True)
class MelSettings:
    sample_rate: int
    n_fft: int
    win_length: int
    hop_length: int
    n_mels: int
    fmin: float
    fmax: float
    griffin_lim_iterations: int
    fps: float

    @classmethod
    def from_params(cls, params: dict) -> MelSettings:
        mel = params["l2s"]["mel"]
        return cls(mel["sample_rate"], mel["n_fft"], mel["win_length"], mel["hop_length"], mel["n_mels"],
                   mel["fmin"], mel["fmax"], mel["griffin_lim_iterations"], params["fps"]["fps"])

    @property
    def samples_per_video_frame(self) -> int:
        return round(self.sample_rate / self.fps)

    @property
    def per_video_frame(self) -> int:
        """Mel frames per crop (4 at 25 fps); params validation makes it a whole number."""
        return self.samples_per_video_frame // self.hop_length

    def _stft(self) -> dict:
        return {"n_fft": self.n_fft, "win_length": self.win_length, "hop_length": self.hop_length}

    def _bank(self) -> dict:
        return {"sr": self.sample_rate, "n_mels": self.n_mels, "fmin": self.fmin, "fmax": self.fmax}

    def log_mel(self, waveform: np.ndarray) -> np.ndarray:
        """Frames x mels (float32) of a mono waveform at ``sample_rate``; frame i is centred on sample i x hop."""
        with threadpool_limits(ONE_THREAD):
            power = librosa.feature.melspectrogram(y=waveform.astype(np.float32), power=2.0, **self._stft(),
                                                   **self._bank())
        return np.log(np.maximum(power, LOG_FLOOR)).T.astype(np.float32)

    def to_audio(self, log_mel: np.ndarray, seed: int = 0) -> np.ndarray:
        """Griffin-Lim speech from frames x mels (frames x hop samples), seeded: the same mel gives the same samples."""
        frames = len(log_mel)
        with threadpool_limits(ONE_THREAD):
            magnitude = librosa.feature.inverse.mel_to_stft(
                np.exp(log_mel.T.astype(np.float64)), sr=self.sample_rate, n_fft=self.n_fft, power=2.0,
                fmin=self.fmin, fmax=self.fmax)
            waveform = librosa.griffinlim(magnitude, n_iter=self.griffin_lim_iterations, hop_length=self.hop_length,
                                          win_length=self.win_length, n_fft=self.n_fft, random_state=seed,
                                          length=(frames - 1) * self.hop_length)
        return np.pad(waveform, (0, self.hop_length)).astype(np.float32)


def read_wave(path, sample_rate: int) -> np.ndarray:
    """The mono waveform of a WAV, checked against the rate the mels need."""
    waveform, found = librosa.load(path, sr=None, mono=True)
    if found != sample_rate:
        raise StageError(f"{path}: audio at {found} Hz, l2s.mel.sample_rate is {sample_rate} Hz")
    if not waveform.size:
        raise StageError(f"{path}: no audio samples")
    return waveform


def crop_locked(waveform: np.ndarray, source_frames: np.ndarray, mask: np.ndarray,
                samples_per_frame: int) -> np.ndarray:
    """The audio of each crop's video frame, in crop order: T x ``samples_per_frame`` samples.

    Crops the mouth stage padded (no video behind them) get silence rather than a repeated
    sound, and so does time past the end of the recording.
    """
    locked = np.zeros((len(source_frames), samples_per_frame), np.float32)
    for index, (source, kind) in enumerate(zip(source_frames, mask, strict=True)):
        if kind != PADDED:
            chunk = waveform[source * samples_per_frame:(source + 1) * samples_per_frame]
            locked[index, :len(chunk)] = chunk
    return locked.reshape(-1)


def clip_mel(locked: np.ndarray, settings: MelSettings) -> np.ndarray:
    """(T x per_video_frame) x mels: the mel frames of crop-locked audio, ``per_video_frame`` per crop."""
    frames = len(locked) // settings.hop_length
    return settings.log_mel(locked)[:frames]
