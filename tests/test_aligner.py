"""aeneas's settings as lipflow builds them from the ``align`` params."""

from lipflow import aligner
from tests.test_params import repo_params


def test_languages_lay_their_values_over_the_shared_ones():
    align = {**repo_params()["align"], "languages": {"ita": {"mfcc_window_length": 0.1, "pause_min": 0}}}
    italian, english = aligner.settings_for(align, "ita"), aligner.settings_for(align, "eng")
    assert italian["mfcc_window_length"] == 0.1 and italian["pause_min"] == 0
    assert english["mfcc_window_length"] == align["mfcc_window_length"]
    assert "languages" not in italian and "languages" not in english


def test_pauses_become_sp_fragments_only_when_asked():
    settings = {**repo_params()["align"], "pause_min": 0.15}
    assert "task_adjust_boundary_nonspeech_min=0.15|task_adjust_boundary_nonspeech_string=sp" in \
        aligner.task_config("eng", settings)
    assert "vad_min_nonspeech_length=0.15" in aligner.runtime_config(settings)
    off = {**settings, "pause_min": 0}
    assert "nonspeech" not in aligner.task_config("eng", off)
    assert "vad_min_nonspeech_length" not in aligner.runtime_config(off)


def test_runtime_config_masks_non_speech_and_synthesises_in_a_fresh_process():
    config = aligner.runtime_config({**repo_params()["align"], "mask_nonspeech": True})
    assert "mfcc_mask_nonspeech=True" in config
    assert "cew_subprocess_enabled=True" in config
