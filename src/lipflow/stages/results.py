"""Stage 9: ``reports/results.md`` from the metrics files (``--readme`` also copies it into README.md)."""

from __future__ import annotations

from pathlib import Path

from .. import params as params_mod
from .. import results


def main(params_path: Path, options: dict) -> str:
    params = params_mod.load(params_path)
    dest = results.write(params)
    if options["readme"]:
        results.update_readme(dest.read_text(encoding="utf-8"), results.study_markdown(),
                              results.speech_study_markdown())
        return f"{dest}, and its copy in {results.README}"
    return str(dest)
