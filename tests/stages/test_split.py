"""The split stage over real mouth records of a throw-away project."""

from __future__ import annotations

import csv

import pytest

from lipflow import cli, layout, project as project_mod
from lipflow.records import FAILED, OK, Record
from lipflow.splitting import SplitError
from lipflow.stages import mouth, split

SPEAKERS = ("s1", "s2", "s3", "s4", "s5")
SENTENCES = ("0", "1", "6", "16")
FAILED_CLIP = "s2/1-AB"


@pytest.fixture
def dataset(project):
    """Five speakers x four sentences with mouth records (one failed) and one misnamed file."""
    for speaker in SPEAKERS:
        for sentence in SENTENCES:
            key = f"{speaker}/{sentence}-AB"
            (project.dataset / speaker).mkdir(exist_ok=True)
            (project.dataset / f"{key}.mpg").write_bytes(b"video")
            status, reason = (FAILED, "no face in frames 10-74") if key == FAILED_CLIP else (OK, "")
            Record(key, mouth.NAME, status, reason).save(layout.record(mouth.NAME, key))
    (project.dataset / "s1" / "badname.mpg").write_bytes(b"video")
    return project


def rows() -> list[dict]:
    with open(layout.SPLIT_TABLE, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def parts(table: list[dict]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for row in table:
        result.setdefault(row["split"], set()).add(row["clip"])
    return result


def test_random_split_is_deterministic_and_seeded(dataset, project):
    project.set_params(**{"split.val_fraction": 0.2, "split.test_fraction": 0.0})
    assert cli.main(["split"]) == 0
    first = layout.SPLIT_TABLE.read_bytes()
    assert cli.main(["split"]) == 0
    assert layout.SPLIT_TABLE.read_bytes() == first
    table = rows()
    assert [row["clip"] for row in table] == sorted(row["clip"] for row in table)
    by_part = parts(table)
    assert len(by_part["train"]) == 15 and len(by_part["val"]) == 4  # 80/20 of 19 usable clips
    excluded = {row["clip"]: row["reason"] for row in table if row["split"] == "excluded"}
    assert excluded[FAILED_CLIP] == "mouth failed: no face in frames 10-74"
    assert "not <ID>-<initials>" in excluded["s1/badname"]
    labels = {row["clip"]: row["label"] for row in table}
    assert labels["s3/16-AB"] == "purtroppo non lo so pero potresti chiedere all autista"

    dataset.set_params(seed=dataset.params["seed"] + 1)
    assert cli.main(["split"]) == 0
    assert layout.SPLIT_TABLE.read_bytes() != first


def test_speaker_split_is_speaker_disjoint(dataset):
    dataset.set_params(**{"split.mode": "speakers", "split.test_fraction": 0.2})
    assert cli.main(["split"]) == 0
    speakers = {}
    for row in rows():
        if row["split"] != "excluded":
            speakers.setdefault(row["speaker"], set()).add(row["split"])
    assert all(len(assigned) == 1 for assigned in speakers.values()), speakers
    assert sorted(part for assigned in speakers.values() for part in assigned) == ["test", "train", "train", "train", "val"]

    dataset.set_params(**{"split.val_speakers": ["s4"], "split.test_speakers": ["s5"]})
    assert cli.main(["split"]) == 0
    by_part = parts(rows())
    assert {clip.split("/")[0] for clip in by_part["val"]} == {"s4"}
    assert {clip.split("/")[0] for clip in by_part["test"]} == {"s5"}


def test_an_empty_part_is_refused(dataset, capsys):
    dataset.set_params(**{"split.mode": "speakers", "split.val_fraction": 0.05})  # 0.05 x 5 speakers -> none
    assert cli.main(["split"]) == 1
    assert "val empty" in capsys.readouterr().err
    assert not layout.SPLIT_TABLE.exists()


def test_lists_mode_follows_the_files_and_refuses_a_leak(dataset, capsys):
    (dataset.root / "train.txt").write_text("# training clips\ns1/0-AB\ns1/1-AB\ns2/1-AB\n")
    (dataset.root / "val.txt").write_text("s3/0-AB\n")
    dataset.set_params(**{"split.mode": "lists", "split.lists": {"train": "train.txt", "val": "val.txt", "test": None}})
    assert cli.main(["split"]) == 0
    table = {row["clip"]: row for row in rows()}
    assert {k for k, row in table.items() if row["split"] == "train"} == {"s1/0-AB", "s1/1-AB"}
    assert table["s3/0-AB"]["split"] == "val"
    assert table[FAILED_CLIP]["split"] == "excluded" and table["s4/6-AB"]["reason"] == "in no split list"

    (dataset.root / "val.txt").write_text("s3/0-AB\ns1/1-AB\n")
    assert cli.main(["split"]) == 1
    assert "s1/1-AB (train and val)" in capsys.readouterr().err

    (dataset.root / "val.txt").write_text("s9/0-AB\n")
    with pytest.raises(SplitError, match="not in the dataset: s9/0-AB"):
        split.run(project_mod.load())
