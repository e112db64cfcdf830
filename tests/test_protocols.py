"""A protocol's split table: the same clips re-split in another mode, beside the project's split."""

from __future__ import annotations

from lipflow import layout, protocols, splitfile, sweep
from lipflow.splitfile import EXCLUDED, Row


def test_a_protocol_re_splits_the_usable_clips_and_keeps_the_excluded_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [Row(f"s{k}/{i}-AB", f"s{k}", str(i), f"frase {i}", "train") for k in range(1, 8) for i in range(6)]
    rows.append(Row("s1/9-AB", "s1", "9", "", EXCLUDED, "mouth failed: no face"))
    splitfile.write(layout.SPLIT_TABLE, rows)
    params = {"seed": 5, "split": {"mode": "random", "val_fraction": 0.15, "test_fraction": 0.15, "val_speakers": [],
                                   "test_speakers": [], "val_sentences": [], "test_sentences": [],
                                   "overlapped_test_clips": 255, "speech_margin_frames": 2,
                                   "min_word_frames": 0.5, "lists": {"train": None, "val": None, "test": None}}}
    same = protocols.write_split(params, sweep.PROJECT_SPLIT)
    assert same == layout.protocol_split_table("split") and splitfile.read(same) == rows
    dest = protocols.write_split(params, "speakers")
    written = dest.stat().st_mtime_ns
    assert protocols.write_split(params, "speakers") == dest and dest.stat().st_mtime_ns == written
    assert dest == layout.protocol_split_table("speakers") and dest.is_file()
    split = splitfile.read(dest)
    assert len(split) == len(rows)
    assert next(r for r in split if r.clip == "s1/9-AB").reason == "mouth failed: no face"
    speakers = {part: {r.speaker for r in split if r.split == part} for part in ("train", "val", "test")}
    assert all(speakers.values()) and not speakers["train"] & (speakers["val"] | speakers["test"])
    assert splitfile.read(layout.SPLIT_TABLE) == rows, "the project's split is left as it was"
