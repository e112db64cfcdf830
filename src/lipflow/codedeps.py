"""Which source files a stage's results depend on: the ``lipflow`` modules its entry module
imports, directly or through others, read with :mod:`ast` (nothing is imported, so the
Snakefile never loads TensorFlow).

Both engines and the per-clip fingerprints take their code dependencies from here, so
editing any module a stage really reaches reruns it, and editing one it does not reach
leaves it alone. Every import counts, lazy ones inside functions too, and so does each
package ``__init__`` on the way (Python runs it). A module that reads files of the package
itself names them in a module-level ``PACKAGE_DATA`` tuple (paths relative to the package,
folders allowed); those files join the dependencies of every stage that reaches the module.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import shutil
from pathlib import Path

PACKAGE = "lipflow"
PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = Path("src")
"""Where the package sits in the repository (the paths dvc.yaml names)."""
PIPELINE_FILES = ("Snakefile", "rules", "envs", "profiles", "workflow", "dvc.yaml", str(SOURCE_ROOT), "pyproject.toml")
"""What the engines read of a checkout, beside params.yaml: copied, they run the pipeline in
another folder (the throw-away projects of the tests and benchmarks)."""


def copy_pipeline(checkout: Path, dest: Path) -> None:
    """The pipeline files of ``checkout`` into the folder ``dest``, without caches or build metadata."""
    for name in PIPELINE_FILES:
        if (checkout / name).is_dir():
            shutil.copytree(checkout / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(checkout / name, dest / name)
PACKAGE_DATA_NAME = "PACKAGE_DATA"
NOT_RESULTS = frozenset({"lipflow.codedeps"})
"""Modules a stage imports that cannot change its results: this one only computes the
dependencies themselves (editing it must not rerun the pipeline)."""


def module_file(module: str) -> Path | None:
    """The installed source file of ``lipflow.x.y``, or None when no such module exists."""
    parts = module.split(".")[1:]
    base = PACKAGE_DIR.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


@functools.cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def direct_imports(module: str) -> set[str]:
    """The ``lipflow`` modules ``module`` imports anywhere in its body, plus its parent packages."""
    path = module_file(module)
    found = {".".join(module.split(".")[:depth]) for depth in range(1, module.count(".") + 1)}
    package = _package_of(module, path)
    for node in ast.walk(_parsed(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != PACKAGE:
                continue
            found.add(source)
            found |= {f"{source}.{alias.name}" for alias in node.names if module_file(f"{source}.{alias.name}")}
    return {name for name in found if module_file(name) and name != module and name not in NOT_RESULTS}


@functools.cache
def closure(entry: str) -> tuple[str, ...]:
    """``entry`` and every ``lipflow`` module it reaches through imports, sorted."""
    if module_file(entry) is None:
        raise ValueError(f"{entry}: no such module in {PACKAGE_DIR}")
    seen, todo = {entry}, [entry]
    while todo:
        for name in direct_imports(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return tuple(sorted(seen))


def package_data(module: str) -> list[str]:
    """The package files ``module`` declares it reads (its ``PACKAGE_DATA``), relative to the package."""
    for node in _parsed(module_file(module)).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == PACKAGE_DATA_NAME for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


def source_files(entry: str) -> list[Path]:
    """Installed files (modules and package data) that ``entry``'s results depend on: Snakemake's code inputs."""
    files = [module_file(name) for name in closure(entry)]
    for name in closure(entry):
        for item in package_data(name):
            path = PACKAGE_DIR / item
            files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return sorted(set(files))


def repository_paths(entry: str) -> list[str]:
    """The same dependencies as paths in the repository (``src/lipflow/...``): dvc.yaml's deps.
    A declared package-data folder stays one folder (DVC hashes what is in it)."""
    paths = [(SOURCE_ROOT / PACKAGE / module_file(name).relative_to(PACKAGE_DIR)).as_posix() for name in closure(entry)]
    paths += [(SOURCE_ROOT / PACKAGE / item).as_posix() for name in closure(entry) for item in package_data(name)]
    return sorted(set(paths))


@functools.cache
def code_fingerprint(entry: str) -> str:
    """Hash of the bytes of every file in :func:`source_files`: stored in per-clip records,
    so a code change makes them stale exactly where the engines rerun the stage."""
    digest = hashlib.sha256()
    for path in source_files(entry):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
