"""reports/results.md and the README's result section come from the metrics files only."""

from __future__ import annotations

import json

import pytest
import yaml

from lipflow import layout, results
from tests.conftest import REPO


def write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def reader(cer: float, wer: float) -> dict:
    return {"clips": 28, "cer": cer, "cer_low": cer / 2, "cer_high": cer * 2, "wer": wer, "wer_low": wer / 2,
            "wer_high": wer * 2, "ver": cer / 2}


@pytest.fixture
def metrics_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    run = params["train"]["run"]
    write(layout.eval_reports(run) / "metrics.json",
          {"test": {"clips": 28, "beam": reader(0.012, 0.05), "floor_most_frequent": reader(0.7, 0.9)}})
    write(layout.eval_reports(run) / "environment.json", {"lipflow": "0.1.0", "python": "3.11.7",
                                                          "tensorflow": "2.21.0", "git": "abc123"})
    write(layout.SPLIT_METRICS, {"mode": "random", "parts": {
        "train": {"clips": 134, "speakers": 10, "sentences": 19},
        "test": {"clips": 28, "speakers": 10, "sentences": 15, "unseen_word_share": 0.0,
                 "unseen_sentence_share": 0.0}}})
    return params


def test_the_closed_set_caveat_stands_above_the_table(metrics_files):
    text = results.markdown(metrics_files)
    assert text.index("Closed set") < text.index("| split | reader |")
    assert "| test | beam | 28 | 1.20% [0.60, 2.40] | 5.00% [2.50, 10.00] | 0.60% |" in text
    assert "| test | floor_most_frequent | 28 | 70.00%" in text
    assert "git abc123" in text and "metrics.json" in text


def test_an_open_set_split_says_how_open(metrics_files):
    split = json.loads(layout.SPLIT_METRICS.read_text())
    split["parts"]["test"].update(unseen_word_share=0.25, unseen_sentence_share=1.0)
    write(layout.SPLIT_METRICS, split)
    text = results.markdown(metrics_files)
    assert "Closed set" not in text and "100% of test sentences and 25% of test words never occur" in text


def speech_system(stoi: float, wer: float) -> dict:
    return {"stoi": stoi, "stoi_low": stoi - 0.05, "stoi_high": stoi + 0.05, "estoi": stoi / 2,
            "estoi_low": stoi / 2 - 0.05, "estoi_high": stoi / 2 + 0.05, **reader(wer / 2, wer)}


def test_lip_to_speech_stands_between_its_floor_and_ceiling(metrics_files):
    split = {"clips": 28, "generated": speech_system(0.65, 0.2), "vocoded_real": speech_system(0.93, 0.1),
             "mean_mel": speech_system(0.37, 1.0), "real_audio": reader(0.05, 0.09),
             "stoi_share_of_floor_to_ceiling": 0.5}
    write(layout.eval_reports(metrics_files["l2s"]["run"]) / "metrics.json", {"lip_to_speech": {"test": split}})
    text = results.markdown(metrics_files)
    assert "| test | generated | 28 | 0.650 [0.600, 0.700] | 0.325 [0.275, 0.375] | 20.00% [10.00, 40.00] |" in text
    assert "| test | real_audio | 28 | - | - | 9.00%" in text
    assert "floor to the ceiling: test 50%" in text and "STOI 0.54, ESTOI 0.27, WER 70% on GRID" in text


def test_alignment_figures_say_what_they_measure(metrics_files):
    summary = {"boundaries": 12, "mean_abs_error_frames": 0.456, "max_abs_error_frames": 1.0}
    write(layout.ALIGNMENT_METRICS, {"real_speech": summary, "tts_truth": {**summary, "boundaries": 132}})
    text = results.markdown(metrics_files)
    assert "on **real speech**: GRID speaker s1's `bbaf2n`" in text and "mean word-boundary error 0.46 frames" in text
    assert "(`ita`), aeneas's espeak voice aligned to espeak-ng speech" in text and "**TTS against TTS**" in text
    grid = {**metrics_files, "dataset": {**metrics_files["dataset"], "kind": "grid_synthetic", "language": "eng"}}
    assert "the shipped `.align` files (not aeneas)" in results.markdown(grid)


def test_missing_metrics_are_named(metrics_files):
    layout.SPLIT_METRICS.unlink()
    with pytest.raises(results.ResultsError, match="split.json"):
        results.markdown(metrics_files)


def test_the_readme_section_is_replaced_whole(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{results.START}\nold\n{results.END}\nrest\n{results.STUDY_START}\nx\n{results.STUDY_END}\n"
                      f"{results.SPEECH_START}\ny\n{results.SPEECH_END}\n")
    results.update_readme("new\ntable\n", "study\n", "speech\n", readme)
    assert readme.read_text() == (f"intro\n{results.START}\nnew\ntable\n{results.END}\nrest\n"
                                  f"{results.STUDY_START}\nstudy\n{results.STUDY_END}\n"
                                  f"{results.SPEECH_START}\nspeech\n{results.SPEECH_END}\n")
    assert results.readme_section(readme.read_text()) == "new\ntable\n"


def test_the_readme_shows_the_committed_reference_run(monkeypatch):
    """The README's numbers are reports/results.md, generated from the committed metrics files."""
    monkeypatch.chdir(REPO)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    generated = results.markdown(params)
    assert (REPO / results.RESULTS).read_text() == generated
    assert results.readme_section((REPO / "README.md").read_text()) == generated


def test_the_readme_shows_the_committed_study(monkeypatch):
    """The study section is generated from the study's committed metrics files, like the results."""
    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text()
    assert results.readme_section(readme, results.STUDY_START, results.STUDY_END) == results.study_markdown()


def test_a_study_not_run_says_so(tmp_path):
    assert "has not been run yet" in results.study_markdown(tmp_path / "nowhere", tmp_path / "nowhere")


def test_the_readme_shows_the_committed_lip_to_speech_protocols(monkeypatch):
    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text()
    assert results.readme_section(readme, results.SPEECH_START, results.SPEECH_END) == results.speech_study_markdown()
    assert "Not run yet" in results.speech_study_markdown(REPO / "nowhere")
