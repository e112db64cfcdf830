"""Nothing in the package runs a shell string, unpickles, or loads YAML or a model unsafely (issue 23).

Read with ``ast`` from the source, so a new call anywhere in ``src/lipflow`` is checked too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

SOURCES = sorted((REPO / "src" / "lipflow").rglob("*.py"))
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}


def calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            yield node


def name_of(call: ast.Call) -> str:
    return ast.unparse(call.func)


def keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO / "src")))
def test_no_shell_strings_pickles_or_unsafe_loaders(path):
    for call in calls(path):
        name = name_of(call)
        where = f"{path.relative_to(REPO)}:{call.lineno}: {ast.unparse(call)[:80]}"
        assert name not in ("os.system", "os.popen", "yaml.unsafe_load", "yaml.full_load", "pickle.load",
                            "pickle.loads", "eval", "exec"), where
        shell = keyword(call, "shell")
        assert not (isinstance(shell, ast.Constant) and shell.value), where
        if name.split(".")[-1] in SUBPROCESS_CALLS and name.startswith("subprocess") and call.args:
            assert not isinstance(call.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)), f"a command string: {where}"
        for flag in ("allow_pickle", "safe_mode"):
            value = keyword(call, flag)
            expected_safe = flag == "safe_mode"
            assert not (isinstance(value, ast.Constant) and value.value is not expected_safe), where
        if name == "yaml.load":
            loader = keyword(call, "Loader")
            assert loader is not None and ast.unparse(loader) == "_Loader", where


def test_the_params_loader_is_a_safe_one():
    from lipflow import params

    assert issubclass(params._Loader, yaml.constructor.SafeConstructor)
    assert not issubclass(params._Loader, yaml.constructor.FullConstructor)
    with pytest.raises(yaml.YAMLError):
        yaml.load("seed: !!python/object/apply:os.system ['true']", Loader=params._Loader)


def test_a_model_with_code_inside_is_refused(tmp_path):
    """Keras' safe mode: a saved Lambda layer (arbitrary Python) does not load."""
    import keras

    from lipflow.models import load_model

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError, match="unsafe|safe_mode|Lambda"):
        load_model(path)
