"""Log-mels frame-locked to the crops, their inverse, and the intelligibility scores on them."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from lipflow import mouthfile
from lipflow import params as params_mod
from lipflow.l2s.evaluate import stoi_pair
from lipflow.l2s.mel import MelSettings, clip_mel, crop_locked
from tests.conftest import REPO

SETTINGS = MelSettings.from_params(yaml.safe_load((REPO / "params.yaml").read_text()))


def tone_speech(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Speech-like audio: a 120 Hz buzz through moving formants, amplitude-modulated at syllable rate."""
    time = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    carrier = sum(np.sin(2 * np.pi * f * time + rng.uniform(0, 6)) / k for k, f in
                  enumerate((120, 240, 360, 700, 1100, 2400), start=1))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * time) ** 2
    return (0.2 * carrier * envelope).astype(np.float32)


def test_the_reference_settings_give_four_mel_frames_per_video_frame():
    assert (SETTINGS.sample_rate, SETTINGS.n_fft, SETTINGS.win_length, SETTINGS.hop_length) == (16000, 1024, 640, 160)
    assert (SETTINGS.n_mels, SETTINGS.fmin, SETTINGS.fmax) == (80, 55, 7500)
    assert SETTINGS.per_video_frame == 4 and SETTINGS.samples_per_video_frame == 640


def test_crop_locked_audio_follows_the_crops_and_pads_with_silence():
    waveform = np.arange(10 * 640, dtype=np.float32)
    sources = np.array([3, 4, 5, 5])
    mask = np.array([mouthfile.MEASURED, mouthfile.INTERPOLATED, mouthfile.MEASURED, mouthfile.PADDED])
    locked = crop_locked(waveform, sources, mask, 640).reshape(4, 640)
    assert np.array_equal(locked[0], waveform[3 * 640:4 * 640]) and np.array_equal(locked[2], waveform[5 * 640:6 * 640])
    assert not locked[3].any(), "a padded crop has no sound behind it"


def test_audio_shorter_than_the_video_ends_in_silence():
    locked = crop_locked(np.ones(640 + 100, np.float32), np.arange(3), np.zeros(3, np.uint8), 640)
    assert locked[:740].all() and not locked[740:].any()


def test_a_clip_mel_has_per_video_frame_rows_per_crop():
    crops = 25
    mel = clip_mel(tone_speech(crops / 25, 16000), SETTINGS)
    assert mel.shape == (crops * 4, 80) and mel.dtype == np.float32


def test_griffin_lim_is_seeded_and_recovers_intelligible_speech():
    speech = tone_speech(2.0, 16000)
    mel = clip_mel(speech, SETTINGS)
    first, again = SETTINGS.to_audio(mel), SETTINGS.to_audio(mel)
    assert np.array_equal(first, again) and len(first) == len(speech)
    assert stoi_pair(speech, first, 16000)[0] > 0.75


def test_stoi_of_a_clip_against_itself_is_one_and_against_noise_is_low():
    speech = tone_speech(3.0, 16000)
    noise = np.random.default_rng(1).normal(0, 0.2, speech.shape).astype(np.float32)
    same = stoi_pair(speech, speech, 16000)
    against_noise = stoi_pair(speech, noise, 16000)
    assert same[0] == pytest.approx(1.0, abs=1e-6) and same[1] == pytest.approx(1.0, abs=1e-6)
    assert against_noise[0] < 0.5 and against_noise[1] < 0.2


def test_stoi_reads_the_sample_rate_it_is_given():
    """The original passed the wrong rate: 16 kHz audio declared as 8 kHz scores as other audio."""
    speech = tone_speech(3.0, 16000)
    degraded = speech + np.random.default_rng(2).normal(0, 0.05, speech.shape).astype(np.float32)
    assert stoi_pair(speech, degraded, 16000)[0] != pytest.approx(stoi_pair(speech, degraded, 8000)[0], abs=1e-3)


@pytest.mark.parametrize("change, message", [
    ({"hop_length": 150}, "not a whole number of hops"),
    ({"fmax": 9000}, "fmin < fmax <= sample_rate / 2"),
    ({"win_length": 2048}, "longer than n_fft"),
])
def test_mel_settings_that_cannot_tile_the_video_are_refused_up_front(tmp_path, change, message):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["l2s"]["mel"].update(change)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(params_mod.ParamsError, match=message):
        params_mod.load(tmp_path / "params.yaml")
