"""The real GRID clips as a `dataset.kind: grid` copy, through Snakemake from ingestion to evaluation.

The copy has the known distribution faults: two speakers' alignment folders swapped, and an
alignment that says another sentence than its video's name. The swap is undone, the wrong
file is reported by name, and a tiny model trains on 75-frame crops and is evaluated.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from lipflow import grid, layout, pipeline, timings
from tests.conftest import GRID_CLIPS, REPO, grid_clip

pytestmark = pytest.mark.slow
# clip -> the alignment folder it is filed in (s1's and s2's are swapped) and the sentence it says
ALIGNMENTS = {
    "s1/lbax4n": ("s2", "lbax4n"),
    "s1/sbwe5n": ("s2", "sbwe5n"),
    "s2/pwij3p": ("s1", "pwij3p"),
    "s3/lbax4n": ("s3", "sbwe5n"),   # the wrong sentence under this name
    "s3/pwij3p": ("s3", "pwij3p"),
}
TINY = {
    "dataset.kind": "grid", "dataset.sentences": "builtin:grid", "dataset.language": "eng",
    "split.val_fraction": 0.25, "split.test_fraction": 0.25,
    "model.filters": [4, 8, 8], "model.gru_units": 16, "model.input_height": 16, "model.input_width": 32,
    "train.epochs": 2, "train.batch_size": 2, "evaluate.beam_width": 4,
}


def grid_align(sentence_words: list[str]) -> str:
    """A GRID-format alignment: sil, five frames a word, sil to 74500 as GRID's own files end."""
    lines, begin = ["0 20000 sil"], 20000
    for word in sentence_words:
        lines.append(f"{begin} {begin + 5000} {word}")
        begin += 5000
    return "\n".join([*lines, f"{begin} 74500 sil"]) + "\n"


def manifest(root, stage: str) -> dict[str, dict]:
    with open(root / "reports" / "manifests" / f"{stage}.tsv", newline="") as handle:
        return {row["clip"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture
def grid_copy(project):
    for key, (filed_under, said) in ALIGNMENTS.items():
        project.add_clip(key, grid_clip(key.split("/")[1]))
        align = project.dataset / filed_under / "align" / f"{key.split('/')[1]}.align"
        align.parent.mkdir(parents=True, exist_ok=True)
        align.write_text(grid_align(grid.words(said)))
    project.set_params(**TINY)
    return project


def test_grid_copy_goes_from_shipped_alignments_to_an_evaluated_model(grid_copy):
    root = grid_copy.root
    grid_copy.run("snakemake", "--cores", "2", "prepare", "evaluate")  # the default target adds KD and lip-to-speech

    aligned = manifest(root, "align")
    assert not list((root / "data/align").rglob("*.aeneas.json")), "GRID's clips are never aligned by aeneas"
    assert aligned["s1/lbax4n"]["status"] == "ok" and aligned["s1/lbax4n"]["filed_under"] == "s2"
    assert aligned["s1/lbax4n"]["remapped"] == "True" and aligned["s3/pwij3p"]["remapped"] == "False"
    assert aligned["s3/lbax4n"]["status"] == "failed"
    assert "says 'set blue with e five now', but the name lbax4n spells 'lay blue at x four now'" in \
        aligned["s3/lbax4n"]["reason"]
    assert (root / "data/align/s2/pwij3p.align").read_text() == grid_align(grid.words("pwij3p"))

    for key in ALIGNMENTS:
        crops = np.load(root / "data/mouth" / f"{key}.npz")["frames"]
        assert crops.shape == (75, 50, 100, 3) and crops.dtype == np.uint8

    with open(root / "data/split/split.tsv", newline="") as handle:
        split = {row["clip"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert split["s3/lbax4n"]["split"] == "excluded" and "align failed" in split["s3/lbax4n"]["reason"]
    assert split["s2/pwij3p"]["label"] == "place white in j three please"
    assert sorted(row["split"] for row in split.values()) == ["excluded", "test", "train", "train", "val"]

    metrics = json.loads((root / "reports/eval/vanilla/metrics.json").read_text())
    assert {"val", "test"} <= set(metrics)
    assert 0 <= metrics["test"]["greedy"]["cer"]
    summary = (root / "reports/eval/vanilla/summary.md").read_text()
    assert "s2/pwij3p" in summary or "s1/" in summary


SYNTHETIC = {
    "dataset.kind": "grid_synthetic", "dataset.root": "data/corpus", "dataset.sentences": "builtin:grid",
    "dataset.language": "eng", "synth.speakers": 3, "synth.sentences_per_speaker": 3,
    "synth.grid_misplaced_alignments": [[2, 3]], "split.val_fraction": 0.25, "split.test_fraction": 0.25,
    **{key: value for key, value in TINY.items() if key.startswith(("model.", "train.", "evaluate."))},
}


def test_grid_like_corpus_runs_end_to_end_and_the_report_shows_it(project):
    """The embedded GRID-like corpus, with s2's and s3's alignment folders swapped, through
    Snakemake: the swap is found, a model is trained and evaluated, no job goes above its
    declared memory, and the report holds every figure. (DVC runs the same stages to the same
    files: tests/test_engines.py; through evaluation: tests/test_experiments.py.)"""
    project.set_params(**SYNTHETIC)
    root = project.root
    project.run("snakemake", "--cores", "2", "prepare", "figures")  # lip-to-speech: tests/l2s
    aligned = manifest(root, "align")
    assert len(aligned) == 9 and {row["status"] for row in aligned.values()} == {"ok"}
    remapped = {key: row["filed_under"] for key, row in aligned.items() if row["remapped"] == "True"}
    assert {key.split("/")[0] for key in remapped} == {"s2", "s3"}
    assert all(owner != key.split("/")[0] for key, owner in remapped.items())
    report = json.loads((root / "reports/metrics/alignment.json").read_text())
    assert report["tts_truth"]["mean_abs_error_frames"] <= 0.1  # the shipped alignments are the generator's truth
    assert report["real_speech"]["boundaries"] == 12
    snakemake_metrics = json.loads((root / "reports/eval/vanilla/metrics.json").read_text())
    assert {"val", "test"} <= set(snakemake_metrics)
    for rule in timings.summarise(root / "logs"):  # Snakemake's benchmark of each job
        if rule.rule in pipeline.STAGES:
            assert rule.max_rss_mb <= pipeline.STAGES[rule.rule].resources["mem_mb"], rule
    project.run("snakemake", "--report", "report.html", "figures")
    page = (root / "report.html").read_text()
    for name in layout.FIGURE_FILES:  # each figure inside the page, with its caption
        caption = " ".join((REPO / "workflow/report" / f"{name}.rst").read_text().split()[:4])
        assert f"{name}.png" in page and caption in page, name



def test_a_truncated_recording_is_excluded_by_name_not_padded_into_training(grid_project, tmp_path):
    """A recording cut after 45% of its bytes: 35 frames and 1.3 s of audio survive, the mouth
    stage pads the crops, and aeneas squeezes the whole sentence into what is left. The split
    names the clip and keeps it out of every part (issue 23)."""
    source = grid_clip("pwij3p").read_bytes()
    truncated = tmp_path / "pwij3p.mpg"
    truncated.write_bytes(source[:len(source) * 45 // 100])
    grid_project.add_clip("s2/pwij3p-GR", truncated)
    (grid_project.root / "grid.tsv").write_text("id\ttext\n" + "".join(f"{k}\t{v}\n" for k, v in GRID_CLIPS.items()))
    grid_project.set_params(**{"split.val_fraction": 0.0, "split.test_fraction": 0.34, "mouth.frames": 75})
    for stage in ("fps", "align", "landmarks", "mouth", "split"):
        grid_project.run("lipflow", stage)
    assert manifest(grid_project.root, "mouth")["s2/pwij3p-GR"]["status"] == "ok"
    with open(grid_project.root / "data/split/split.tsv", newline="") as handle:
        split = {row["clip"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert split["s2/pwij3p-GR"]["split"] == "excluded", split["s2/pwij3p-GR"]
    assert "the speech does not fit the clip" in split["s2/pwij3p-GR"]["reason"], split["s2/pwij3p-GR"]["reason"]
    assert all(row["split"] != "excluded" for key, row in split.items() if key != "s2/pwij3p-GR")
