"""The code style is checked like behaviour, so it holds without anyone remembering it: ruff with the
rules of pyproject.toml (pyflakes, pycodestyle at 120 characters, sorted imports, current syntax,
bugbear: every zip says whether its inputs must line up) for the Python, snakefmt for the Snakemake
rules."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

PYTHON_FOLDERS = ["src", "tests", "benchmarks", "scripts"]


def test_the_python_passes_ruff():
    """``ruff check --fix`` mends the import order; long lines are wrapped by hand."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *PYTHON_FOLDERS], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_are_formatted_with_snakefmt():
    """``snakefmt Snakefile rules/`` rewrites them; a rule edited by hand is caught here."""
    result = subprocess.run(["snakefmt", "--check", "Snakefile", "rules/"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
