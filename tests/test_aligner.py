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


def sync_map(*fragments):
    return {"fragments": [{"begin": b, "end": e, "lines": lines} for b, e, lines in fragments]}


def test_the_outer_word_edges_snap_to_the_speech_runs_within_the_window():
    aligned = sync_map(("0.000", "0.950", []), ("0.950", "1.200", ["bin"]), ("1.200", "2.040", ["now"]),
                       ("2.040", "3.000", []))
    runs = [(0.40, 0.55), (0.97, 1.60), (1.65, 2.12), (2.60, 2.70)]
    snapped = aligner.snap_edges(aligned, runs, window=0.12)["fragments"]
    assert [(f["begin"], f["end"]) for f in snapped] == [
        ("0.000", "0.970"), ("0.970", "1.200"), ("1.200", "2.120"), ("2.120", "3.000")]
    # a run edge farther than the window, or no window, leaves the words where aeneas put them
    far = sync_map(("0.000", "0.700", []), ("0.700", "1.200", ["bin"]), ("1.200", "2.400", ["now"]),
                   ("2.400", "3.0", []))
    assert aligner.snap_edges(far, runs, window=0.12) == far
    assert aligner.snap_edges(sync_map(*[(f["begin"], f["end"], f["lines"]) for f in snapped]), runs, 0) == \
        sync_map(*[(f["begin"], f["end"], f["lines"]) for f in snapped])


def test_explicit_edges_replace_aeneas_s_own_detection():
    settings = repo_params()["align"]
    config = aligner.task_config("eng", settings, edges=(0.9504, 0.87))
    assert "is_audio_file_head_length=0.950|is_audio_file_tail_length=0.870" in config
    assert "detect_head_max" not in config
    assert "is_audio_file_detect_head_max" in aligner.task_config("eng", settings)
