"""docs/reliability.md: every row of the catalogue names a test that exists."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

CATALOGUE = REPO / "docs" / "reliability.md"
ROW = re.compile(r"^\| (\d+) \|.*\| `(tests/[\w/]+\.py)::(\w+)` \|$")


def catalogue_rows() -> list[tuple[int, str, str]]:
    return [(int(m[1]), m[2], m[3]) for m in map(ROW.match, CATALOGUE.read_text().splitlines()) if m]


def test_every_case_in_the_catalogue_names_a_test_that_exists():
    rows = catalogue_rows()
    assert len(rows) >= 30 and [number for number, _, _ in rows] == list(range(1, len(rows) + 1))
    for number, path, name in rows:
        source = REPO / path
        assert source.is_file(), f"row {number}: {path} missing"
        functions = {node.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.FunctionDef)}
        assert name in functions, f"row {number}: {path} has no {name}"


def test_every_table_row_is_read():
    table = [line for line in CATALOGUE.read_text().splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(table) == len(catalogue_rows()), "a row whose test cell is not `path::name`"
