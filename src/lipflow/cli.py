"""The lipflow command line: one subcommand per pipeline stage.

Snakemake rules and DVC stages call these commands, so the CLI is the one entry point
both engines share. Per-clip stages take ``--clip`` keys (Snakemake runs one job per clip)
or, without them, process every clip and write the stage manifest (DVC, or by hand).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from . import __version__, layout, params as params_mod, project as project_mod
from .layout import REPORTS
from .records import StageError
from .pipeline import STAGES
from .stages import ClipStage, manifest, run_stage

PREVIEW_DIR = REPORTS / "mouth_preview"

CLIP_STAGES = ("fps", "fragments", "align", "align_convert", "mouth")
"""Per-clip stages run through :func:`lipflow.stages.run_stage`. Their modules (and heavy
imports such as dlib or aeneas) load only when their command runs: Snakemake starts the
CLI once per clip and job, so start-up time is pipeline time."""


def _clip_stage(name: str) -> ClipStage:
    return importlib.import_module(f"lipflow.stages.{name}").STAGE


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

    sub = commands.add_parser("synth", help=STAGES["synth"].help,
                              description="Synthetic speakers say the sentences: s<k>/<ID>-<initials>.mpg plus "
                                          "<ID>-<initials>.truth.json (word and phoneme times) per clip; with "
                                          "dataset.kind grid_synthetic GRID-like s<k>/<code>.mpg, .truth.json and "
                                          "s<k>/align/<code>.align.")
    sub.add_argument("--clip", action="append", metavar="KEY",
                     help="make only this planned clip (s<k>/<ID>-<initials>, GRID-like s<k>/<code>); repeatable. "
                          "Without it: every planned clip (current ones skipped), then the manifest")
    sub.add_argument("--force", action="store_true", help="remake clips whose record is already current")
    sub.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="clips made in parallel processes (default: %(default)s); the output is the same")
    sub.set_defaults(handler=_run_synth)

    for name in CLIP_STAGES:
        sub = commands.add_parser(_cli_name(name), help=STAGES[name].help, description=STAGES[name].help)
        sub.add_argument("--clip", action="append", metavar="KEY",
                         help="process only this clip (s<k>/<ID>-<initials>); repeatable. "
                              "Without it: every clip, then the manifest")
        sub.add_argument("--force", action="store_true", help="redo clips whose record is already current")
        sub.set_defaults(handler=lambda args, name=name: _run_clip_stage(args, _clip_stage(name)))

    sub = commands.add_parser("manifest", help="write reports/manifests/<stage>.tsv from the per-clip records")
    sub.add_argument("stage", choices=["synth", *(_cli_name(name) for name in CLIP_STAGES)])
    sub.set_defaults(handler=_run_manifest)

    sub = commands.add_parser("alignment-report", help=STAGES["alignment_report"].help)
    sub.set_defaults(handler=_run_alignment_report)

    sub = commands.add_parser("record", help="serve the web recorder that writes takes into the dataset folder",
                              description="Serve the recorder page (docs/recorder.md); defaults from params.yaml record.")
    sub.add_argument("--host", help="address to listen on (default: record.host, loopback)")
    sub.add_argument("--port", type=int, help="port (default: record.port)")
    sub.add_argument("--root", help="dataset folder to write into (default: dataset.root)")
    sub.set_defaults(handler=_run_record)

    sub = commands.add_parser("evaluate", help="score a trained model on the held-out splits (reports/eval/<name>/)",
                              description="Decode the val/test clips of data/split/split.tsv with greedy, beam and "
                                          "snapped beam search and write metrics, predictions, tables and a summary.")
    sub.add_argument("--model", help="saved model (default: models/<train.run>/model.keras)")
    sub.add_argument("--name", help="run name: reports go to reports/eval/<name>/ (default: train.run)")
    sub.add_argument("--kd", action="store_true",
                     help="evaluate the best student of lipflow train-kd (models/<kd.run>/model.keras, name kd.run)")
    sub.set_defaults(handler=_run_evaluate)

    sub = commands.add_parser("predict", help="read the sentence from the lips in one video (any container and frame rate)",
                              description="Convert to the pipeline's frame rate, crop the mouth and decode it with "
                                          "the evaluate decoders; prints one line per decoder.")
    sub.add_argument("video", help="video file with one speaker's face")
    sub.add_argument("--model", help="saved model (default: models/<train.run>/model.keras)")
    sub.add_argument("--preview", metavar="PNG", help="also write a contact sheet of the mouth crops the model read")
    sub.add_argument("--columns", type=int, default=10, help="crops per preview row (default: %(default)s)")
    sub.set_defaults(handler=_run_predict)

    sub = commands.add_parser("preview", help="contact sheet PNG of one clip's mouth crops, for eyeballing them")
    sub.add_argument("clip", metavar="KEY", help="clip key s<k>/<ID>-<initials> (run lipflow mouth first)")
    sub.add_argument("--out", help="PNG to write (default: reports/mouth_preview/<key>.png)")
    sub.add_argument("--columns", type=int, default=10, help="crops per row (default: %(default)s)")
    sub.set_defaults(handler=_run_preview)

    sub = commands.add_parser("split", help=STAGES["split"].help)
    sub.set_defaults(handler=_run_split)

    sub = commands.add_parser("train", help="train LipNet with CTC on the train split, best epoch by val CER",
                              description="Vanilla LipNet training (params model, train): models/<run>/model.keras "
                                          "(best), per-epoch checkpoints, reports/train/<run>/ metrics and curves.")
    sub.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                     help="continue from the run's last checkpoint when there is one (default: %(default)s)")
    sub.add_argument("--run", help="run name (default: train.run)")
    sub.add_argument("--seed", type=int, help="training seed (default: train.seed, or the top-level seed when null)")
    sub.set_defaults(handler=_run_train)

    sub = commands.add_parser("train-kd", help=STAGES["train_kd"].help,
                              description="Online knowledge distillation (params kd; training settings from train): "
                                          "models/<kd.run>/peer<i>.keras, model.keras (best student), checkpoints, "
                                          "reports/train/<kd.run>/ metrics and curves.")
    sub.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                     help="continue from the run's last checkpoint when there is one (default: %(default)s)")
    sub.add_argument("--run", help="run name (default: kd.run)")
    sub.add_argument("--seed", type=int, help="training seed (default: train.seed, or the top-level seed when null)")
    sub.set_defaults(handler=_run_train_kd)

    sub = commands.add_parser("experiment", help=STAGES["experiment"].help,
                              description="For every seed of experiment.seeds: train a vanilla model and a KD cohort "
                                          "(runs experiment/vanilla-s<seed>, experiment/kd-s<seed>), evaluate each "
                                          "and the best KD student, then write reports/experiments/kd_vs_vanilla.md "
                                          "and .json (mean and standard deviation per method). Finished runs are "
                                          "reused, interrupted ones resume.")
    sub.set_defaults(handler=_run_experiment)

    sub = commands.add_parser("check-params", help="validate the parameter file and exit")
    sub.set_defaults(handler=lambda args: print(f"{args.params}: ok"))
    return parser


def _run_synth(args) -> int:
    from .stages import synth

    params = params_mod.load(args.params)
    if not params_mod.is_synthetic(params):
        for folder in (params_mod.SYNTHETIC_ROOT, layout.stage_dir(synth.NAME)):
            folder.mkdir(parents=True, exist_ok=True)
        print(f"synth: dataset.kind is {params['dataset']['kind']}: no corpus generated, "
              f"the pipeline reads {params['dataset']['root']}")
        return 0
    try:
        records = synth.run_all(params, args.clip, args.force, Path(args.params).parent, args.jobs)
    except StageError as error:
        print(f"lipflow synth: {error}", file=sys.stderr)
        return 1
    for record in records:
        if args.clip and not record.ok:
            print(f"{record.clip}: synth {record.status}: {record.reason}", file=sys.stderr)
    return 0


def _run_clip_stage(args, stage: ClipStage) -> int:
    project = project_mod.load(args.params)
    records = run_stage(project, stage, args.clip, args.force)
    for record in records:
        if args.clip and not record.ok:
            print(f"{record.clip}: {stage.name} {record.status}: {record.reason}", file=sys.stderr)
    return 0


def _run_record(args) -> int:
    from .record import server  # Flask is only needed by this command

    project = project_mod.load(args.params)
    settings = project.params["record"]
    server.serve(
        args.root or project.root, project.sentences, project.params["dataset"]["video_extensions"], settings,
        args.host or settings["host"], args.port or settings["port"],
    )
    return 0


def _run_evaluate(args) -> int:
    from .evaluate import run  # TensorFlow is only needed by this command

    from .predict import default_model

    project = project_mod.load(args.params)
    run_name = project.params["kd" if args.kd else "train"]["run"]
    args.name = args.name or run_name
    try:
        summary = run.evaluate(project, args.model or default_model(project, run_name), args.name)
    except run.EvaluateError as error:
        print(f"lipflow evaluate: {error}", file=sys.stderr)
        return 1
    for split, decoders in summary.items():
        for decoder, numbers in decoders.items():
            if isinstance(numbers, dict):
                print(f"{split} {decoder}: CER {numbers['cer']:.4f} WER {numbers['wer']:.4f} ({numbers['clips']} clips)")
    print(f"reports: {run.EVAL_DIR / args.name}")
    return 0


def _run_predict(args) -> int:
    from . import predict  # TensorFlow is only needed by this command

    project = project_mod.load(args.params)
    try:
        result = predict.predict(project, args.video, args.model or predict.default_model(project))
        if args.preview:
            predict.write_preview(result, Path(args.preview), args.columns)
    except StageError as error:
        print(f"lipflow predict: {error}", file=sys.stderr)
        return 1
    for decoder, sentence in result.sentences.items():
        print(f"{decoder}: {sentence}")
    return 0


def _run_train(args) -> int:
    from .train import data, vanilla  # TensorFlow is only needed by this command

    try:
        result = vanilla.train(_with_seed(params_mod.load(args.params), args.seed), args.run, args.resume)
    except data.TrainInputError as error:
        print(f"lipflow train: {error}", file=sys.stderr)
        return 1
    print(f"best epoch {result['best_epoch']}: val CER {result['val_cer']:.4f} WER {result['val_wer']:.4f}")
    return 0


def _run_train_kd(args) -> int:
    from .train import data, kd  # TensorFlow is only needed by this command

    try:
        result = kd.train(_with_seed(params_mod.load(args.params), args.seed), args.run, args.resume)
    except data.TrainInputError as error:
        print(f"lipflow train-kd: {error}", file=sys.stderr)
        return 1
    print(f"best epoch {result['best_epoch']}: ensemble val CER {result['val_cer']:.4f}; student {result['student']} "
          f"val CER {result['val_cer_' + result['student']]:.4f} WER {result['val_wer_' + result['student']]:.4f}")
    return 0


def _with_seed(params: dict, seed: int | None) -> dict:
    return params if seed is None else {**params, "train": {**params["train"], "seed": seed}}


def _run_experiment(args) -> int:
    from . import experiment
    from .evaluate import run
    from .train import data

    try:
        table = experiment.run(project_mod.load(args.params))
    except (data.TrainInputError, run.EvaluateError) as error:
        print(f"lipflow experiment: {error}", file=sys.stderr)
        return 1
    print(table)
    return 0


def _run_manifest(args) -> int:
    if args.stage == "synth":
        from .stages import synth

        result = synth.manifest(params_mod.load(args.params), Path(args.params).parent)
    else:
        result = manifest(project_mod.load(args.params), args.stage.replace("-", "_"))
    print(result.summary())
    return 0


def _run_alignment_report(args) -> int:
    from .stages import alignment_report

    result = alignment_report.run(project_mod.load(args.params))
    print(json.dumps(result, indent=2))
    return 0


def _run_preview(args) -> int:
    from .stages import mouth

    dest = Path(args.out) if args.out else PREVIEW_DIR / f"{args.clip}.png"
    try:
        print(mouth.write_preview(args.clip, dest, args.columns))
    except StageError as error:
        print(f"lipflow preview: {error}", file=sys.stderr)
        return 1
    return 0


def _run_split(args) -> int:
    from .stages import split

    try:
        dest, counts = split.run(project_mod.load(args.params))
    except split.SplitError as error:
        print(f"lipflow split: {error}", file=sys.stderr)
        return 1
    print(f"{dest}: " + ", ".join(f"{counts[part]} {part}" for part in (*split.PARTS, split.EXCLUDED)))
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
