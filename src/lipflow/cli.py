"""The lipflow command line: one subcommand per pipeline stage.

Snakemake rules and DVC stages call these commands, so the CLI is the one entry point
both engines share. Per-clip stages take ``--clip`` keys (Snakemake runs one job per clip)
or, without them, process every clip and write the stage manifest (DVC, or by hand).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__, params as params_mod, project as project_mod
from .stages import ClipStage, manifest, run_stage
from .stages import align, align_convert, alignment_report, fps, fragments

CLIP_STAGES: dict[str, ClipStage] = {
    stage.NAME: stage.STAGE for stage in (fps, fragments, align, align_convert)
}


def _cli_name(stage_name: str) -> str:
    return stage_name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lipflow",
        description=(
            "Reproducible lip-reading pipeline. Each subcommand is one stage; Snakemake "
            "(Snakefile) and DVC (dvc.yaml) run them in order. Run from the project folder."
        ),
    )
    parser.add_argument("--version", action="version", version=f"lipflow {__version__}")
    parser.add_argument("--params", default=str(params_mod.DEFAULT_PATH), help="parameter file (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for stage in CLIP_STAGES.values():
        sub = commands.add_parser(_cli_name(stage.name), help=stage.help, description=stage.help)
        sub.add_argument("--clip", action="append", metavar="KEY",
                         help="process only this clip (s<k>/<ID>-<initials>); repeatable. "
                              "Without it: every clip, then the manifest")
        sub.add_argument("--force", action="store_true", help="redo clips whose record is already current")
        sub.set_defaults(handler=lambda args, stage=stage: _run_clip_stage(args, stage))

    sub = commands.add_parser("manifest", help="write reports/manifests/<stage>.tsv from the per-clip records")
    sub.add_argument("stage", choices=[_cli_name(name) for name in CLIP_STAGES])
    sub.set_defaults(handler=_run_manifest)

    sub = commands.add_parser(
        "alignment-report",
        help="count clips per stage and score the alignments against truth files -> reports/metrics/alignment.json",
    )
    sub.set_defaults(handler=_run_alignment_report)

    sub = commands.add_parser("check-params", help="validate the parameter file and exit")
    sub.set_defaults(handler=lambda args: print(f"{args.params}: ok"))
    return parser


def _run_clip_stage(args, stage: ClipStage) -> int:
    project = project_mod.load(args.params)
    records = run_stage(project, stage, args.clip, args.force)
    for record in records:
        if args.clip and not record.ok:
            print(f"{record.clip}: {stage.name} {record.status}: {record.reason}", file=sys.stderr)
    return 0


def _run_manifest(args) -> int:
    project = project_mod.load(args.params)
    print(manifest(project, CLIP_STAGES[args.stage.replace("-", "_")]).summary())
    return 0


def _run_alignment_report(args) -> int:
    result = alignment_report.run(project_mod.load(args.params))
    print(json.dumps(result, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        params_mod.load(args.params)
        return args.handler(args)
    except params_mod.ParamsError as error:
        print(f"lipflow: bad parameters: {error}", file=sys.stderr)
        return 2
    except KeyError as error:
        print(f"lipflow: {error.args[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
