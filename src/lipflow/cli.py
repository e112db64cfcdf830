"""The lipflow command line: one subcommand per pipeline stage, plus the tools around them.

Snakemake rules and DVC stages call these commands, so the CLI is the one entry point
both engines share. The stage subcommands, their help and options come from the stage
table (:mod:`lipflow.pipeline`); a stage's module (and heavy imports such as dlib, aeneas
or TensorFlow) loads only when its command runs, because Snakemake starts the CLI once per
job and start-up time is pipeline time. Per-clip stages take ``--shard`` (one Snakemake job),
``--clip`` keys, or neither: then every clip, shards in parallel processes, and the stage
manifest (DVC, or by hand).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from functools import partial
from pathlib import Path

from . import __version__, layout
from . import params as params_mod
from .errors import LipflowError, is_storage_error
from .extras import missing_extra
from .pipeline import STAGES, StageSpec, dvc_yaml, subcommands

DVC_FILE = Path("dvc.yaml")
GLOBAL_OPTIONS = ("params", "handler", "command", "verbose", "quiet")
"""Options of lipflow itself, not of a stage."""


def _stage_handler(spec: StageSpec, args) -> str:
    module = importlib.import_module(spec.entry)
    options = {key: value for key, value in vars(args).items() if key not in GLOBAL_OPTIONS}
    if hasattr(module, "main"):
        return module.main(Path(args.params), options)
    from .stages import run_clips

    return run_clips(module.STAGE, Path(args.params), options)


def _add_stage(commands, command: str, spec: StageSpec) -> None:
    sub = commands.add_parser(command, help=spec.help, description=spec.description or spec.help)
    if spec.per_clip:
        sub.add_argument("--clip", action="append", metavar="KEY",
                         help="process only this clip (s<k>/<ID>-<initials>, GRID s<k>/<code>); repeatable. "
                              "Without it: every clip, then the manifest")
        sub.add_argument("--shard", metavar="IofN",
                         help="process only the clips of shard I of N (e.g. 0of8; lipflow/shards.py): one Snakemake "
                              "job, which leaves data/shards/<stage>/IofN.tsv")
        sub.add_argument("--jobs", type=int, default=0, metavar="N",
                         help="without --clip or --shard: shards run in N processes (default: every core); "
                              "the output is the same")
        sub.add_argument("--force", action="store_true", help="redo clips whose record is already current")
    for option in spec.options:
        sub.add_argument(*option.flags, **option.settings)
    sub.set_defaults(handler=partial(_stage_handler, spec))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lipflow",
        description=(
            "Reproducible lip-reading pipeline. Each stage subcommand is one stage; Snakemake "
            "(Snakefile) and DVC (dvc.yaml) run them in order. Run from the project folder."
        ),
    )
    parser.add_argument("--version", action="version", version=f"lipflow {__version__}")
    parser.add_argument("--params", default=str(params_mod.DEFAULT_PATH), help="parameter file (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="say what happens to each clip (record reused, ok, failed) and name the module saying it")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars and no notes: only warnings, errors and each command's summary line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command, spec in subcommands().items():
        _add_stage(commands, command, spec)

    sub = commands.add_parser("manifest", help="write reports/manifests/<stage>.tsv from the per-clip records")
    sub.add_argument("stage", choices=[spec.command for spec in STAGES.values() if spec.per_clip])
    sub.set_defaults(handler=_run_manifest)

    sub = commands.add_parser("record", help="serve the web recorder that writes takes into the dataset folder",
                              description="Serve the recorder page (docs/recorder.md); "
                                          "defaults from params.yaml record.")
    sub.add_argument("--host", help="address to listen on (default: record.host, loopback)")
    sub.add_argument("--port", type=int, help="port (default: record.port)")
    sub.add_argument("--root", help="dataset folder to write into (default: dataset.root)")
    sub.set_defaults(handler=_run_record)

    sub = commands.add_parser("predict", help="read the sentence from the lips in one video "
                                              "(any container and frame rate)",
                              description="Convert to the pipeline's frame rate, crop the mouth and decode it with "
                                          "the evaluate decoders; prints one line per decoder.")
    sub.add_argument("video", help="video file with one speaker's face")
    sub.add_argument("--model", help="saved model (default: models/<train.run>/model.keras)")
    sub.add_argument("--preview", metavar="PNG", help="also write a contact sheet of the mouth crops the model read")
    sub.add_argument("--columns", type=int, default=10, help="crops per preview row (default: %(default)s)")
    sub.set_defaults(handler=_run_predict)

    sub = commands.add_parser("speak", help="speech from the lips of one silent video (any container and frame rate)",
                              description="Crop the mouth as the pipeline does, generate the mel with the "
                                          "lip-to-speech generator and vocode it with Griffin-Lim into a WAV.")
    sub.add_argument("video", help="video file with one speaker's face (its sound, if any, is not used)")
    sub.add_argument("--out", help="WAV to write (default: the video's name with .speech.wav)")
    sub.add_argument("--voice", help="a recording of the speaker's voice (audio or video with sound) for the speaker "
                                     "embedding (default: the first training clip's voice)")
    sub.add_argument("--model", help="saved generator (default: models/<l2s.run>/model.keras)")
    sub.set_defaults(handler=_run_speak)

    sub = commands.add_parser("preview", help="contact sheet PNG of one clip's mouth crops, for eyeballing them")
    sub.add_argument("clip", metavar="KEY", help="clip key s<k>/<ID>-<initials> (run lipflow mouth first)")
    sub.add_argument("--out", help="PNG to write (default: reports/mouth_preview/<key>.png)")
    sub.add_argument("--columns", type=int, default=10, help="crops per row (default: %(default)s)")
    sub.set_defaults(handler=_run_preview)

    sub = commands.add_parser("dvc-yaml", help="write dvc.yaml from the stage table (src/lipflow/pipeline.py)")
    sub.add_argument("--check", action="store_true",
                     help="only say whether dvc.yaml is what the table gives (exit 1 if not)")
    sub.set_defaults(handler=_run_dvc_yaml)

    sub = commands.add_parser("timings", help="where the last Snakemake runs' time went, per rule "
                                              "(logs/*/*.benchmark.tsv)",
                              description="Sums the benchmark file Snakemake writes for every job: jobs, wall and CPU "
                                          "seconds and peak memory per rule, as Snakemake samples them (short-lived "
                                          "child processes such as ffmpeg may be missed from CPU seconds). A job "
                                          "rerun later replaces its file.")
    sub.add_argument("--logs", default=str(layout.LOGS), help="folder of the job logs (default: %(default)s)")
    sub.set_defaults(handler=_run_timings)

    sub = commands.add_parser("check-params", help="validate the parameter file and exit")
    sub.set_defaults(handler=lambda args: f"{args.params}: ok")
    return parser


def _run_record(args) -> str:
    from . import project as project_mod
    from .recorder import server  # Flask is only needed by this command

    project = project_mod.load(args.params)
    settings = project.params["record"]
    server.serve(
        args.root or project.root, project.sentences, project.params["dataset"]["video_extensions"], settings,
        args.host or settings["host"], args.port or settings["port"],
    )
    return ""


def _run_predict(args) -> str:
    from . import predict
    from . import project as project_mod

    project = project_mod.load(args.params)
    result = predict.predict(project, args.video, args.model or layout.best_model(project.params["train"]["run"]))
    if args.preview:
        predict.write_preview(result, Path(args.preview), args.columns)
    return "\n".join(f"{decoder}: {sentence}" for decoder, sentence in result.sentences.items())


def _run_speak(args) -> str:
    from .l2s import speak

    params = params_mod.load(args.params)
    dest = Path(args.out) if args.out else Path(args.video).with_suffix(".speech.wav")
    speech = speak.speak(params, Path(args.video), Path(args.model or layout.best_model(params["l2s"]["run"])), dest,
                         Path(args.voice) if args.voice else None)
    return f"{speech.wav}: {speech.seconds:.2f} s of speech, voice from {speech.voice}"


def _run_manifest(args) -> str:
    """Write the stage's manifest; exit non-zero when the stage has clips and none of them is ok (a per-clip job
    exits 0 once each of its clips has a record, so this is where a stage that failed everywhere stops the run)."""
    name = args.stage.replace("-", "_")
    if name == "synth":
        from .stages import synth

        written = synth.manifest(params_mod.load(args.params), Path(args.params).parent)
    else:
        from . import project as project_mod
        from .stages import manifest

        written = manifest(project_mod.load(args.params), name)
    written.require_any_ok()
    return written.summary()


def _run_preview(args) -> str:
    from .vision import sheet

    dest = Path(args.out) if args.out else layout.MOUTH_PREVIEWS / f"{args.clip}.png"
    return str(sheet.preview(args.clip, dest, args.columns))


def _run_timings(args) -> str:
    from . import timings

    rows = timings.summarise(Path(args.logs))
    if not rows:
        raise LipflowError(f"no benchmark files under {args.logs}/: run snakemake first")
    return timings.table(rows)


def _run_dvc_yaml(args) -> str:
    wanted = dvc_yaml()
    if args.check:
        if not DVC_FILE.is_file() or DVC_FILE.read_text() != wanted:
            raise LipflowError(f"{DVC_FILE} differs from the stage table: run `lipflow dvc-yaml`")
        return f"{DVC_FILE}: up to date"
    from .files import write_text

    write_text(DVC_FILE, wanted)
    return f"{DVC_FILE}: written from the stage table ({len(STAGES)} stages)"


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Notes and warnings go to stderr through the ``lipflow`` loggers; a command's summary line
    (what it made) stays on stdout. Quiet also turns tqdm's progress bars off (TQDM_DISABLE,
    which reaches the shard processes too)."""
    logger = logging.getLogger("lipflow")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    if quiet:
        os.environ["TQDM_DISABLE"] = "1"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        params_mod.load(args.params)
        output = args.handler(args)
    except params_mod.ParamsError as error:
        print(f"lipflow: bad parameters: {error}", file=sys.stderr)
        return 2
    except LipflowError as error:
        print(f"lipflow {args.command}: {error}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as error:
        needed = missing_extra(error)
        if needed is None:
            raise
        print(f"lipflow {args.command}: {needed}", file=sys.stderr)
        return 1
    except OSError as error:
        if not is_storage_error(error):
            raise
        print(f"lipflow {args.command}: {error.filename}: {error.strerror}. Nothing half-written is kept and "
              "finished work is: make room (or make the folder writable) and run it again", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
