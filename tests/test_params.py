import subprocess
import sys

import pytest
import yaml

from lipflow import params
from tests.conftest import REPO


def repo_params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text())


def test_repository_params_are_valid():
    params.load(REPO / "params.yaml")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda p: p["align"].update(boundary_valu=3), r"align\.boundary_valu: unknown key"),
        (lambda p: p["align"].update(boundary_value="fifty"), r"align\.boundary_value: 'fifty' is not of type"),
        (lambda p: p["fps"].pop("crf"), r"fps\.crf: missing key"),
        (lambda p: p["dataset"].update(kind="videos"), r"dataset\.kind: 'videos' is not one of"),
        (lambda p: p["dataset"].update(language="italian"), r"dataset\.language"),
        (lambda p: p.update(sed=1), r"^sed: unknown key"),
        (lambda p: p["dataset"].update(sentences="no/such/table.tsv"), r"dataset\.sentences: file not found"),
        (lambda p: p["dataset"].update(sentences="builtin:klingon"), r"dataset\.sentences: no built-in table"),
        (lambda p: p["dataset"].update(kind="italian", root="no/such/folder"), r"dataset\.root: folder not found"),
        (lambda p: p["dataset"].update(kind="grid_synthetic"),
         r"dataset\.sentences: dataset\.kind grid_synthetic needs builtin:grid"),
        (lambda p: p["dataset"].update(sentences="builtin:grid"),
         r"dataset\.sentences: builtin:grid is for dataset\.kind grid"),
        (lambda p: p["dataset"].update(kind="grid_synthetic", sentences="builtin:grid"),
         r"dataset\.language: GRID is English"),
        (lambda p: p["mouth"].update(frames="many"), r"mouth\.frames"),
        (lambda p: p["align"].update(pause_min=-1), r"align\.pause_min: -1 is less than the minimum"),
        (lambda p: p["align"]["languages"].update(ita={"mfcc_window_lenght": 0.1}),
         r"align\.languages\.ita\.mfcc_window_lenght: unknown key"),
        (lambda p: p["align"]["languages"].update(eng={"silence": "guess"}),
         r"align\.languages\.eng\.silence: 'guess' is not one of"),
        (lambda p: p["align"]["languages"].update(eng={"languages": {}}),
         r"align\.languages\.eng\.languages: unknown key"),
    ],
)
def test_bad_params_name_the_key(tmp_path, edit, message):
    data = repo_params()
    edit(data)
    with pytest.raises(params.ParamsError, match=message):
        params.validate(data, base=tmp_path)


def test_cli_fails_fast_on_bad_params(tmp_path):
    data = repo_params()
    data["fps"]["fps"] = -25
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(data))
    result = subprocess.run([sys.executable, "-m", "lipflow", "fps"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert "fps.fps" in result.stderr and result.stderr.count("\n") == 1


def test_exponent_floats_as_dvc_writes_them_are_numbers(tmp_path):
    text = (REPO / "params.yaml").read_text().replace("learning_rate: 0.001", "learning_rate: 1e-05")
    assert "1e-05" in text
    (tmp_path / "params.yaml").write_text(text)
    assert params.load(tmp_path / "params.yaml")["train"]["learning_rate"] == 1e-05


def test_missing_and_malformed_params_files(tmp_path):
    with pytest.raises(params.ParamsError, match="not found"):
        params.load(tmp_path / "params.yaml")
    (tmp_path / "params.yaml").write_text("seed: [1,\n")
    with pytest.raises(params.ParamsError, match="not valid YAML"):
        params.load(tmp_path / "params.yaml")


def test_fingerprint_is_stable_and_sensitive():
    assert params.fingerprint({"a": 1, "b": 2}) == params.fingerprint({"b": 2, "a": 1})
    assert params.fingerprint({"a": 1}) != params.fingerprint({"a": 2})


def test_synthetic_corpus_and_recordings_have_separate_roots(tmp_path):
    data = repo_params()
    data["dataset"].update(kind="synthetic", root="my/recordings")
    with pytest.raises(params.ParamsError, match="dataset.root: the synthetic corpus is generated into data/corpus"):
        params.validate(data, base=tmp_path)
    (tmp_path / "data/corpus").mkdir(parents=True)
    data["dataset"].update(kind="italian", root="data/corpus")
    with pytest.raises(params.ParamsError, match="belongs to the synthetic corpus"):
        params.validate(data, base=tmp_path)


def test_a_grammar_table_needs_a_count_and_a_pool_needs_a_grammar(tmp_path):
    data = repo_params()
    data["dataset"].update(sentences="builtin:italian_grid")
    with pytest.raises(params.ParamsError,
                       match="synth.sentences_per_speaker: builtin:italian_grid has tens of thousands"):
        params.validate(data, base=tmp_path)
    data["synth"]["sentence_pool"] = 60
    assert params.validate(data, base=tmp_path)["synth"]["sentences_per_speaker"] is None
    data["dataset"].update(sentences="builtin:italian")
    with pytest.raises(params.ParamsError, match="synth.sentence_pool: draws from a grammar table"):
        params.validate(data, base=tmp_path)


@pytest.mark.parametrize("kind, sentences, language, frames", [
    ("synthetic", "builtin:italian", "ita", 100), ("grid_synthetic", "builtin:grid", "eng", 75),
])
def test_auto_frames_follow_the_dataset(tmp_path, kind, sentences, language, frames):
    data = repo_params()
    data["dataset"].update(kind=kind, sentences=sentences, language=language)
    data["synth"]["sentences_per_speaker"] = 20
    assert data["mouth"]["frames"] == "auto"
    assert params.validate(data, base=tmp_path)["mouth"]["frames"] == frames


def _mappings(node: dict, path: tuple = ()):
    """Every mapping of the params and its dotted path (the top level included)."""
    yield path, node
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _mappings(value, (*path, key))


FREE_FORM = {("align", "languages")}
"""Mappings whose keys are the user's (language codes), not the schema's."""


@pytest.mark.parametrize("path", [p for p, _ in _mappings(repo_params()) if p not in FREE_FORM],
                         ids=lambda p: ".".join(p) or "top")
def test_an_unknown_key_is_refused_in_every_section(tmp_path, path):
    data = repo_params()
    node = data
    for key in path:
        node = node[key]
    node["no_such_key"] = 1
    with pytest.raises(params.ParamsError,
                       match=".".join([*path, "no_such_key"]).replace(".", r"\.") + ": unknown key"):
        params.validate(data, base=tmp_path)
