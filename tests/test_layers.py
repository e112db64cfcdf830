"""The package's layers point down only, and no two packages import each other.

Read with ``ast`` from the source files (nothing is imported), so the test runs unchanged
against any version of lipflow. A unit is a top-level module or subpackage of ``lipflow``;
each sits on one floor, and a unit may import units of lower floors only (and itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "src" / "lipflow"
FLOORS = [
    {"errors", "extras", "layout", "files", "codedeps"},
    {"text", "params", "alignfile", "mouthfile", "landmarkfile", "splitfile", "shards", "grammars"},
    {"grid", "media", "figures", "threads"},
    {"datasets"},
    {"project", "records"},
    {"aligner", "vision", "scoring", "models", "splitting"},
    {"sweep"},
    {"synth", "train", "evaluate", "realspeech", "experiment_report", "protocols"},
    {"experiment", "experiment_run", "l2s", "predict", "recorder", "results", "timings"},
    {"stages"},
    {"pipeline"},
    {"cli"},
    {"__main__"},
]
"""Ground floor (formats, paths, parameters) up to the command line."""
FLOOR = {unit: index for index, units in enumerate(FLOORS) for unit in units}


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> set[str]:
    """The ``lipflow`` modules a source file imports, anywhere in its body (lazy imports too)."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("lipflow")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.startswith("lipflow"):
                names = [f"{source}.{alias.name}" for alias in node.names]
                found |= {name for name in names if unit_of(name) in FLOOR} or {source}
    return found


def unit_imports() -> dict[str, set[str]]:
    """Unit -> the other units it imports."""
    edges: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        unit = relative.parts[0].removesuffix(".py")
        if unit == "__init__":
            continue
        edges.setdefault(unit, set()).update(unit_of(name) for name in imports(path))
    return {unit: targets - {unit, "__init__"} for unit, targets in edges.items()}


def test_every_unit_has_a_floor():
    assert set(unit_imports()) <= set(FLOOR), sorted(set(unit_imports()) - set(FLOOR))


def test_imports_point_down_only():
    upward = sorted(f"{unit} (floor {FLOOR.get(unit)}) imports {target} (floor {FLOOR.get(target)})"
                    for unit, targets in unit_imports().items() for target in targets
                    if FLOOR.get(target, len(FLOORS)) >= FLOOR.get(unit, -1))
    assert upward == []


def test_no_two_units_import_each_other():
    edges = unit_imports()
    cycles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert cycles == []


def test_the_design_notes_list_the_same_floors():
    """docs/design.md's table of layers is the reader's copy of FLOORS: it stays true."""
    rows = [line.split("|") for line in (REPO / "docs" / "design.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    documented = [{unit.strip(" `/") for unit in row[2].split(",")} for row in rows]
    assert documented == FLOORS
