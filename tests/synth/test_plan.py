"""The embedded corpus planned from params alone: which clips, and where their alignments go."""

from pathlib import Path

import pytest

from lipflow import grid
from lipflow.datasets import DatasetError
from lipflow.errors import StageError
from lipflow.synth import corpus
from lipflow.synth.plan import align_path, alignment_folders, planned_clips
from tests.conftest import GRID_FOLDERS, grid_synth_params, synth_params


def test_planned_clips_come_from_params_alone(tmp_path):
    params = synth_params(tmp_path)
    planned = planned_clips(params)
    first, second = corpus.initials(params["seed"], 1), corpus.initials(params["seed"], 2)
    assert planned == [f"s1/13-{first}.mpg", f"s1/18-{first}.mpg", f"s2/13-{second}.mpg", f"s2/18-{second}.mpg"]
    assert planned_clips({**params, "seed": params["seed"] + 1}) != planned
    assert not (tmp_path / "data" / "corpus").exists()


def test_extra_sentences_are_planned_and_bad_ids_are_named(tmp_path):
    (tmp_path / "extra.tsv").write_text("id\ttext\nx1\tIl gatto dorme sul divano.\n")
    params = synth_params(tmp_path, extra_sentences="extra.tsv")
    assert [p.split("/")[1].split("-")[0] for p in planned_clips(params, tmp_path)][:3] == ["13", "18", "x1"]
    with pytest.raises(StageError, match="99"):
        planned_clips({**params, "synth": {**params["synth"], "sentence_ids": ["99"]}}, tmp_path)
    (tmp_path / "extra.tsv").write_text("id\ttext\n13\tDoppione.\n")
    with pytest.raises(DatasetError, match="already in the sentence table"):
        planned_clips(params, tmp_path)


# The GRID-like corpus (dataset.kind: grid_synthetic)

def test_grid_clips_are_planned_from_params_alone(tmp_path):
    params = grid_synth_params(tmp_path, sentences_per_speaker=2)
    planned = planned_clips(params)
    assert planned == planned_clips(grid_synth_params(tmp_path / "again", sentences_per_speaker=2))
    assert [p.split("/")[0] for p in planned] == ["s1", "s1", "s2", "s2", "s3", "s3"]
    codes = [Path(p).stem for p in planned]
    assert all(grid.is_name(code) and p.endswith(".mpg") for code, p in zip(codes, planned, strict=True))
    assert codes[0] != codes[1] and codes[2] != codes[3]
    assert planned_clips({**params, "seed": params["seed"] + 1}) != planned
    assert not (tmp_path / "data" / "corpus").exists()
    with pytest.raises(DatasetError, match="extra_sentences"):
        planned_clips({**params, "synth": {**params["synth"], "extra_sentences": "extra.tsv"}})


def test_misplaced_alignment_pairs_swap_folders_and_out_of_range_pairs_do_nothing(tmp_path):
    params = grid_synth_params(tmp_path)
    assert alignment_folders(params) == GRID_FOLDERS
    assert align_path(params, Path("root"), "s2/bbaf2n") == Path("root/s3/align/bbaf2n.align")
    lone = {**params, "synth": {**params["synth"], "speakers": 2}}
    assert alignment_folders(lone) == {1: 1, 2: 2}
    twice = {**params, "synth": {**params["synth"], "grid_misplaced_alignments": [[1, 2], [2, 3]]}}
    with pytest.raises(StageError, match="speaker 2 is in more than one"):
        alignment_folders(twice)


def test_spoken_sentences_are_those_of_the_project_table(tmp_path):
    from lipflow.datasets import project_sentences
    from lipflow.synth.plan import sentences

    (tmp_path / "extra.tsv").write_text("id\ttext\nx1\tIl gatto dorme sul divano.\n")
    params = synth_params(tmp_path, extra_sentences="extra.tsv")
    table = project_sentences(params, tmp_path)
    spoken = sentences(params, tmp_path)
    assert list(spoken) == ["13", "18", "x1"]
    assert all(table[sentence_id] == text for sentence_id, text in spoken.items())
