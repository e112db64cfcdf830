"""The split stage over real mouth records of a throw-away project."""

from __future__ import annotations

import csv
import json

import pytest

from lipflow import cli, layout
from lipflow import project as project_mod
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
    assert sorted(part for assigned in speakers.values() for part in assigned) == [
        "test", "train", "train", "train", "val"]

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


def test_sentence_split_writes_the_report_and_a_line_per_part(dataset, capsys):
    dataset.set_params(**{"split.mode": "sentences", "split.val_sentences": ["6"], "split.test_sentences": [1]})
    assert cli.main(["split"]) == 0
    lines = capsys.readouterr().out.splitlines()
    sentences = {}
    for row in rows():
        if row["split"] != "excluded":
            sentences.setdefault(row["sentence_id"], set()).add(row["split"])
    assert sentences == {"0": {"train"}, "16": {"train"}, "6": {"val"}, "1": {"test"}}
    report = json.loads(layout.SPLIT_METRICS.read_text())
    # test says "e in offerta costa dieci euro": only "costa" is in a training label (sentence 0)
    assert report == {"mode": "sentences", "parts": {
        "train": {"clips": 10, "speakers": 5, "sentences": 2},
        "val": {"clips": 5, "speakers": 5, "sentences": 1, "unseen_speaker_share": 0.0, "unseen_sentence_share": 1.0,
                "unseen_word_share": 1.0},
        "test": {"clips": 4, "speakers": 4, "sentences": 1, "unseen_speaker_share": 0.0, "unseen_sentence_share": 1.0,
                 "unseen_word_share": 0.8333},
        "excluded": {"clips": 2, "speakers": 2, "sentences": 1},  # the failed clip s2/1-AB and s1/badname
    }}
    assert lines == [
        f"{layout.SPLIT_TABLE} (sentences mode), {layout.SPLIT_METRICS}",
        "train: 10 clips, 5 speakers, 2 sentences",
        "val: 5 clips, 5 speakers, 1 sentences; unseen in train: 0.0% of speakers, 100.0% of sentences, "
        "100.0% of word tokens",
        "test: 4 clips, 4 speakers, 1 sentences; unseen in train: 0.0% of speakers, 100.0% of sentences, "
        "83.3% of word tokens",
        "excluded: 2 clips, 2 speakers, 1 sentences",
    ]


def test_speakers_sentences_split_holds_out_both(dataset):
    dataset.set_params(**{"split.mode": "speakers_sentences", "split.test_speakers": ["s5"],
                          "split.test_sentences": ["16"], "split.val_sentences": ["6"]})
    assert cli.main(["split"]) == 0
    table = {row["clip"]: row for row in rows()}
    assert {k for k, row in table.items() if row["split"] == "test"} == {"s5/16-AB"}
    assert {k for k, row in table.items() if row["split"] == "val"} == {f"s{k}/6-AB" for k in range(1, 5)}
    assert table["s5/0-AB"]["reason"] == "speakers_sentences: held-out test speaker saying a training sentence"
    assert table["s1/16-AB"]["reason"] == "speakers_sentences: training speaker saying a held-out test sentence"
    report = json.loads(layout.SPLIT_METRICS.read_text())["parts"]
    assert report["test"]["unseen_speaker_share"] == report["test"]["unseen_sentence_share"] == 1.0


def test_extra_sentences_of_the_synthetic_corpus_reach_the_split(project):
    """Clips of synth.extra_sentences are discovered, labelled and split like the table's."""
    (project.root / "extra.tsv").write_text("id\ttext\nx1\tIl gatto dorme sul divano.\n", encoding="utf-8")
    project.set_params(**{"dataset.kind": "synthetic", "dataset.root": str(layout.CORPUS),
                          "synth.extra_sentences": "extra.tsv", "split.val_fraction": 0.25, "split.test_fraction": 0.0})
    for speaker in ("s1", "s2"):
        for sentence in ("0", "x1"):
            key = f"{speaker}/{sentence}-AB"
            (project.root / layout.CORPUS / speaker).mkdir(parents=True, exist_ok=True)
            (project.root / layout.CORPUS / f"{key}.mpg").write_bytes(b"video")
            Record(key, mouth.NAME, OK, "").save(layout.record(mouth.NAME, key))
    assert cli.main(["split"]) == 0
    table = {row["clip"]: row for row in rows()}
    assert {row["split"] for row in table.values()} == {"train", "val"}
    assert table["s2/x1-AB"]["label"] == "il gatto dorme sul divano" and table["s2/x1-AB"]["reason"] == ""


def test_bad_held_out_params_name_their_key(dataset, capsys):
    dataset.set_params(**{"split.mode": "sentences", "split.test_sentences": "16"})
    assert cli.main(["split"]) == 2
    assert "split.test_sentences: '16' is not of type 'array'" in capsys.readouterr().err
    dataset.set_params(**{"split.test_sentences": ["99"]})
    assert cli.main(["split"]) == 1
    assert "split.test_sentences: held-out sentence(s) 99 have no usable clips" in capsys.readouterr().err
    assert not layout.SPLIT_TABLE.exists() and not layout.SPLIT_METRICS.exists()
