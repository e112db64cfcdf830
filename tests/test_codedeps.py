"""Code dependencies come from the imports, read with ast."""

from __future__ import annotations

from lipflow import codedeps


def test_a_stage_reaches_the_library_it_imports_through_other_modules():
    mouth = codedeps.closure("lipflow.stages.mouth")
    assert {"lipflow.vision.landmarks", "lipflow.vision.video", "lipflow.mouthfile", "lipflow.grid"} <= set(mouth)
    assert not any(name.startswith(("lipflow.models", "lipflow.train", "lipflow.synth")) for name in mouth)
    evaluate = codedeps.closure("lipflow.stages.evaluate")
    assert {"lipflow.models.lipnet", "lipflow.scoring.decode", "lipflow.splitfile"} <= set(evaluate)
    assert "lipflow.train.data" not in evaluate and "lipflow.vision.mouths" not in evaluate


def test_lazy_imports_inside_functions_count():
    assert "lipflow.models.lipnet" in codedeps.closure("lipflow.predict")  # imported inside its functions


def test_package_data_a_module_declares_joins_the_dependencies():
    assert "src/lipflow/resources" in codedeps.repository_paths("lipflow.stages.align")
    files = codedeps.source_files("lipflow.stages.align")
    assert any(path.name == "sentences_italian.tsv" for path in files)


def test_the_dependency_finder_itself_is_no_dependency():
    assert "lipflow.codedeps" not in codedeps.closure("lipflow.stages.fps")


def test_the_fingerprint_changes_with_any_reached_file(tmp_path, monkeypatch):
    package = tmp_path / "lipflow"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "entry.py").write_text("def run():\n    from .sub import helper\n")
    (package / "sub" / "helper.py").write_text("VALUE = 1\n")
    (package / "other.py").write_text("VALUE = 2\n")
    monkeypatch.setattr(codedeps, "PACKAGE_DIR", package)
    for cached in (codedeps.closure, codedeps.code_fingerprint, codedeps._parsed):
        cached.cache_clear()
    assert codedeps.closure("lipflow.entry") == ("lipflow", "lipflow.entry", "lipflow.sub", "lipflow.sub.helper")
    before = codedeps.code_fingerprint("lipflow.entry")
    (package / "other.py").write_text("VALUE = 3\n")
    codedeps.code_fingerprint.cache_clear()
    assert codedeps.code_fingerprint("lipflow.entry") == before
    (package / "sub" / "helper.py").write_text("VALUE = 4\n")
    codedeps.code_fingerprint.cache_clear()
    assert codedeps.code_fingerprint("lipflow.entry") != before
    for cached in (codedeps.closure, codedeps.code_fingerprint, codedeps._parsed):
        cached.cache_clear()
