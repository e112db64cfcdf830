import pytest

from lipflow import layout
from lipflow.datasets import DatasetError, discover, discover_grid, read_sentences
from lipflow.files import atomic_path

SENTENCES = {"0": "Salve", "1": "Prego"}


def touch(root, relative):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_discovery_keeps_every_file_and_says_why(tmp_path):
    for relative in ["s1/0-AB.mpg", "s1/1-Zoë O'Neil.webm", "s2/1-CD.MP4", "s1/0-AB.mp4", "s1/7-AB.mpg",
                     "s1/notaclip.mpg", "loose/0-AB.mpg", "s3/0-EF.truth.json", "s3/readme.txt"]:
        touch(tmp_path, relative)
    clips, rejected = discover(tmp_path, ["mpg", "mp4", "webm"], SENTENCES)
    assert [c.key for c in clips] == ["s1/0-AB", "s1/1-Zoë O'Neil", "s2/1-CD"]
    assert clips[1].sentence_id == "1" and clips[1].speaker == "s1"
    reasons = {r.key: r.reason for r in rejected}
    assert "duplicate clip" in reasons["s1/0-AB"]
    assert "not in the sentence table" in reasons["s1/7-AB"]
    assert "<ID>-<initials>" in reasons["s1/notaclip"]
    assert "speaker folder" in reasons["loose/0-AB"]
    assert len(rejected) == 4  # the truth file and the readme are not videos


def test_builtin_table_has_the_19_reference_sentences():
    table = read_sentences("builtin:italian")
    assert list(table) == [str(i) for i in range(19)]
    assert table["1"] == "È in offerta, costa 10 euro."


def test_user_table(tmp_path):
    (tmp_path / "mine.tsv").write_text("id\ttext\nA\tCiao a tutti.\n", encoding="utf-8")
    assert read_sentences("mine.tsv", tmp_path) == {"A": "Ciao a tutti."}


def test_grid_discovery_reads_both_layouts_and_reports_missing_speakers(tmp_path):
    from lipflow.datasets import discover_grid

    for relative in ["s1/bbaf2n.mpg", "s1/align/bbaf2n.align", "s2/video/mpg_6000/lbax4n.mpg", "s2/notgrid.mpg",
                     "s2/lbax4n.mpg", "s4/pwij3p.mpg", "loose.mpg", "s4/pwij3p.truth.json"]:
        touch(tmp_path, relative)
    clips, rejected = discover_grid(tmp_path, ["mpg"], read_sentences("builtin:grid"))
    assert [(c.key, c.sentence_id) for c in clips] == [("s1/bbaf2n", "bbaf2n"), ("s2/lbax4n", "lbax4n"),
                                                         ("s4/pwij3p", "pwij3p")]
    reasons = {r.key: r.reason for r in rejected}
    assert "duplicate clip" in reasons["s2/lbax4n"]
    assert "not a GRID sentence code" in reasons["s2/notgrid"]
    assert "speaker folder" in reasons["loose"]
    assert reasons["s3"] == "no clips of speaker s3"
    assert len(rejected) == 4


def test_grid_discovery_names_the_known_missing_speaker(tmp_path):
    from lipflow.datasets import discover_grid

    for number in (20, 22):
        touch(tmp_path, f"s{number}/bbaf2n.mpg")
    _, rejected = discover_grid(tmp_path, ["mpg"], read_sentences("builtin:grid"))
    reasons = {r.key: r.reason for r in rejected}
    assert "GRID has no video of this speaker" in reasons["s21"]
    assert len(reasons) == 20 and "s1" in reasons


# The project's sentence table: dataset.sentences plus the embedded corpus's extra sentences

def test_project_table_adds_the_synthetic_corpus_extra_sentences(tmp_path):
    import pytest

    from lipflow.datasets import DatasetError, project_sentences
    from tests.conftest import grid_synth_params, synth_params

    (tmp_path / "extra.tsv").write_text("id\ttext\nx1\tIl gatto dorme sul divano.\n", encoding="utf-8")
    params = synth_params(tmp_path, extra_sentences="extra.tsv")
    table = project_sentences(params, tmp_path)
    assert list(table) == [*read_sentences("builtin:italian"), "x1"]
    assert table["x1"] == "Il gatto dorme sul divano."
    recordings = {**params, "dataset": {**params["dataset"], "kind": "italian"}}
    assert "x1" not in project_sentences(recordings, tmp_path)  # the synth stage makes no clip of it

    (tmp_path / "extra.tsv").write_text("id\ttext\nx1\tUno.\n13\tDoppione.\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="ID.*'13' already in the sentence table"):
        project_sentences(params, tmp_path)
    grid_params = grid_synth_params(tmp_path / "grid")
    grid_params["synth"]["extra_sentences"] = "extra.tsv"
    with pytest.raises(DatasetError, match="synth.extra_sentences: the GRID-like corpus"):
        project_sentences(grid_params, tmp_path)


@pytest.mark.parametrize("discovery", [discover, discover_grid])
def test_symlinks_leaving_the_root_or_leading_nowhere_are_named_not_read(tmp_path, discovery):
    outside = touch(tmp_path, "elsewhere/secret.mpg")
    root = tmp_path / "dataset"
    inside = "s1/0-AB.mpg" if discovery is discover else "s1/bbaf2n.mpg"
    touch(root, inside)
    (root / "s1" / "1-CD.mpg").symlink_to(outside)
    (root / "s1" / "2-EF.mpg").symlink_to(root / "s1" / "2-EF.mpg")
    (root / "s1" / "3-GH.mpg").symlink_to(root / inside)
    (root / "s1" / "loop").symlink_to(root)
    (root / "s2").symlink_to(tmp_path / "elsewhere")
    clips, rejected = discovery(root, ["mpg"], {**SENTENCES, "3": "Grazie", "bbaf2n": "bin blue at f two now"})
    reasons = {r.key: r.reason for r in rejected}
    assert "outside the dataset root" in reasons["s1/1-CD"] and "leads nowhere" in reasons["s1/2-EF"]
    assert all(clip.source.resolve().is_relative_to(root) for clip in clips), "nothing outside the root is read"
    assert not any(clip.key.startswith(("s1/loop", "s2")) for clip in clips), "symlinked folders are not entered"
    if discovery is discover:
        assert [c.key for c in clips] == ["s1/0-AB", "s1/3-GH"], "a symlink within the root is a clip"


def test_a_sentence_table_that_is_not_utf8_is_refused_naming_the_file(tmp_path):
    (tmp_path / "frasi.tsv").write_bytes("id\ttext\n1\tPerché sì\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"frasi.tsv: not UTF-8 \(byte 15\).*iconv"):
        read_sentences("frasi.tsv", tmp_path)


def test_dots_in_a_clip_name_never_lead_outside_a_stage_folder(tmp_path):
    root = tmp_path / "dataset"
    touch(root, "s1/0-A..B.mpg")
    touch(root, "s1/..-AB.mpg")
    clips, rejected = discover(root, ["mpg"], SENTENCES)
    assert [clip.key for clip in clips] == ["s1/0-A..B"]
    assert [r.key for r in rejected] == ["s1/..-AB"]
    for stage in layout.SUFFIXES:
        assert layout.artefact(stage, clips[0].key).resolve().is_relative_to(layout.stage_dir(stage).resolve())


def test_a_take_still_being_written_is_not_discovered_until_it_is_whole(tmp_path):
    root = tmp_path / "dataset"
    touch(root, "s1/0-AB.mpg")
    with atomic_path(root / "s1" / "1-CD.mpg") as tmp:
        tmp.write_bytes(b"half a take")
        clips, rejected = discover(root, ["mpg"], SENTENCES)
        assert [clip.key for clip in clips] == ["s1/0-AB"] and rejected == [], "not a clip, not a bad file"
    assert [clip.key for clip in discover(root, ["mpg"], SENTENCES)[0]] == ["s1/0-AB", "s1/1-CD"]
