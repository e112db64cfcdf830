"""The evaluate stage: score a saved model on the held-out splits and write its reports.

Inputs are the split table and the mouth arrays the model was trained on; outputs go to
``reports/eval/<run>/``: ``metrics.json`` (split -> decoder -> numbers, for ``dvc
metrics``), ``predictions.tsv``, per-speaker and per-sentence tables (``dvc plots``), the
character confusion matrix of the raw beam decoder, and ``summary.md`` with the model,
data, parameters and environment beside the numbers. Raw and snapped decoders are always
reported side by side, never merged.
"""

from __future__ import annotations

import itertools
import platform
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from tqdm import tqdm

from .. import __version__, figures, layout, models, mouthfile, splitfile, text
from ..errors import LipflowError
from ..files import atomic_path, file_hash, write_json, write_text
from ..project import Project
from ..scoring import decode, decoders, intervals, metrics, visemes
from . import floors

SPLIT_FILE = layout.SPLIT_TABLE
RANKING_DECODER = decoders.BEAM
"""The raw decoder that ranks the worst clips and fills the confusion matrix."""
ENVIRONMENT_PACKAGES = ("tensorflow", "keras", "numpy", "jiwer", "sacrebleu", "editdistance", "pandas")
SPACE_LABEL, NOTHING_LABEL = "<space>", "<none>"


class EvaluateError(LipflowError):
    """The evaluation cannot start; the message says what is missing."""


def summarise(scores: list[metrics.Score], resamples: int, seed: int) -> dict:
    """Corpus rates with their 95% bootstrap intervals over clips, and the viseme error rate."""
    numbers = metrics.summarise(scores)
    for measure, unit in (("cer", "chars"), ("wer", "words")):
        numbers[f"{measure}_low"], numbers[f"{measure}_high"] = intervals.interval(scores, unit, resamples, seed)
    numbers["ver"] = visemes.summarise(scores)["ver"]
    return numbers


@dataclass
class SplitResult:
    """One split's clips (split-table rows, in table order) and their scores per decoder and per floor."""

    name: str
    clips: pd.DataFrame
    scores: dict[str, list[metrics.Score]]
    floors: dict[str, list[metrics.Score]]

    def summary(self, resamples: int, seed: int) -> dict[str, dict]:
        readers = {**self.scores, **self.floors}
        return {reader: summarise(scores, resamples, seed) for reader, scores in readers.items()}


def read_split(path: Path = SPLIT_FILE) -> pd.DataFrame:
    rows = splitfile.read(path)
    return pd.DataFrame([asdict(row) for row in rows], columns=splitfile.COLUMNS, dtype=str)


def fits(shape: tuple[int, ...], model: keras.Model) -> bool:
    """Whether a T x H x W x C clip is what the model reads (``None`` in the model = any)."""
    expected = model.input_shape[1:]
    return len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape, strict=True))


def transcribe(model: keras.Model, clips: Iterable[np.ndarray], settings: dict,
               words: tuple[str, ...] | None) -> dict[str, list[str]]:
    """Every decoder's sentence for each clip, reading ``settings["batch_size"]`` clips at a
    time (only one batch of arrays is ever in memory).

    Clips go in as training feeds them (``lipflow.train.data``): raw pixels as float32; the
    model resizes and normalises inside itself (``lipflow.models.build``).
    """
    result: dict[str, list[str]] = {}
    clips = iter(clips)
    while chunk := list(itertools.islice(clips, settings["batch_size"])):
        batch = np.stack(chunk).astype("float32")
        logits = keras.ops.convert_to_numpy(model(batch, training=False))
        for decoder, sentences in decode.decode(logits, settings["beam_width"], words).items():
            result.setdefault(decoder, []).extend(sentences)
    return result


def snap_words(table: pd.DataFrame, language: str) -> tuple[str, ...]:
    """The words of the training labels only: snapping to the whole sentence table would
    hand a held-out sentence's words to the decoder."""
    return decode.vocabulary(table.loc[table["split"] == splitfile.TRAIN, "label"], language)


@dataclass
class Floors:
    """The training split as the trivial readers see it (:mod:`lipflow.evaluate.floors`)."""

    labels: list[str]
    features: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> Floors:
        train = table[table["split"] == splitfile.TRAIN]
        return cls(list(train["label"]), floors.clip_features(list(train["clip"])))

    def read(self, clips: pd.DataFrame) -> dict[str, list[str]]:
        return {
            floors.MOST_FREQUENT: [floors.most_frequent(self.labels)] * len(clips),
            floors.NEAREST_CLIP: floors.nearest_clip(self.features, self.labels,
                                                     floors.clip_features(list(clips["clip"]))),
        }


def evaluate_split(model: keras.Model, name: str, clips: pd.DataFrame, settings: dict,
                   words: tuple[str, ...] | None, language: str, trivial: Floors) -> SplitResult:
    keys = list(clips["clip"])
    frames = tqdm((mouthfile.read_frames(layout.artefact("mouth", key)) for key in keys), total=len(keys),
                  desc=f"evaluate {name}", unit="clip", disable=len(keys) < 2)
    hypotheses = transcribe(model, frames, settings, words)
    scores = {decoder: metrics.score_all(clips["label"], sentences, language)
              for decoder, sentences in hypotheses.items()}
    floor_scores = {reader: metrics.score_all(clips["label"], sentences, language)
                    for reader, sentences in trivial.read(clips).items()}
    return SplitResult(name, clips.reset_index(drop=True), scores, floor_scores)


def select_splits(table: pd.DataFrame, wanted: list[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The wanted splits that have clips, and those that have none (reported, not scored)."""
    chosen = {split: table[table["split"] == split] for split in wanted}
    empty = [split for split, rows in chosen.items() if rows.empty]
    if len(empty) == len(wanted):
        raise EvaluateError(f"no clips in split(s) {', '.join(wanted)} of {SPLIT_FILE}")
    return {split: rows for split, rows in chosen.items() if not rows.empty}, empty


def check_arrays(keys: list[str], model: keras.Model) -> None:
    """Every clip's array exists and fits the model, checked from headers before any inference."""
    problems = []
    for key in keys:
        try:
            shape = mouthfile.frames_shape(layout.artefact("mouth", key))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            problems.append(f"{key}: cannot read {layout.artefact('mouth', key)}: {error}")
            continue
        if not fits(shape, model):
            problems.append(f"{key}: frames array has shape {shape}, the model reads {model.input_shape[1:]}")
    if problems:
        raise EvaluateError(f"{len(problems)} unusable mouth array(s):\n  " + "\n  ".join(problems))


def evaluate(project: Project, model_path: Path, name: str, split_tsv: Path = SPLIT_FILE) -> dict:
    """Score ``model_path`` on the configured splits of ``split_tsv``; write reports/eval/<name>/; return metrics."""
    settings = project.params["evaluate"]
    model_path = Path(model_path)
    if not model_path.is_file():
        raise EvaluateError(f"{model_path}: model not found")
    table = read_split(split_tsv)
    chosen, empty = select_splits(table, settings["splits"])
    model = models.load_model(model_path)
    check_arrays([key for rows in chosen.values() for key in rows["clip"]], model)
    words = snap_words(table, project.language) if settings["snap"] else None
    trivial = Floors.of(table)
    results = [evaluate_split(model, split, rows, settings, words, project.language, trivial)
               for split, rows in chosen.items()]
    resamples, seed = settings["bootstrap_resamples"], project.params["seed"]
    summary = {result.name: {"clips": len(result.clips), **result.summary(resamples, seed)} for result in results}
    out = layout.eval_reports(name)
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    write_json(staging / "metrics.json", summary)
    write_json(staging / "environment.json", environment())
    write_predictions(staging / "predictions.tsv", results)
    for result in results:
        write_breakdown(staging / f"per_speaker_{result.name}.tsv", result, "speaker")
        write_breakdown(staging / f"per_sentence_{result.name}.tsv", result, "sentence_id")
        write_confusions(staging / f"confusion_{result.name}", result)
    info = model_info(model, model_path)
    write_text(staging / "summary.md",
               summary_markdown(name, info, settings, words, summary, results, empty, split_tsv))
    replace_folder(staging, out)
    return summary


def replace_folder(staging: Path, dest: Path) -> None:
    """Swap in a complete report folder, so no file of an earlier run (a split no longer
    scored) survives beside the new ones."""
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)


def write_tsv(dest: Path, frame: pd.DataFrame) -> None:
    with atomic_path(dest) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def write_predictions(dest: Path, results: list[SplitResult]) -> None:
    frames = []
    for result in results:
        first = next(iter(result.scores.values()))
        frame = result.clips[["clip", "speaker", "sentence_id"]].assign(
            split=result.name, reference=[s.reference for s in first])
        for decoder, scores in {**result.scores, **result.floors}.items():
            frame[f"hyp_{decoder}"] = [s.hypothesis for s in scores]
            frame[f"cer_{decoder}"] = [s.cer for s in scores]
            frame[f"wer_{decoder}"] = [s.wer for s in scores]
        frames.append(frame)
    columns = ["split", "clip", "speaker", "sentence_id", "reference"]
    table = pd.concat(frames, ignore_index=True)
    write_tsv(dest, table[columns + [c for c in table.columns if c not in columns]])


def breakdown_table(result: SplitResult, group: str) -> pd.DataFrame:
    """One row per group value; corpus CER/WER and per-clip mean and spread per decoder."""
    groups = list(result.clips[group])
    table = pd.DataFrame({group: sorted(set(groups))})
    table["clips"] = [groups.count(value) for value in table[group]]
    if group == "sentence_id":
        first = next(iter(result.scores.values()))
        reference = dict(zip(groups, (s.reference for s in first), strict=True))
        table["reference"] = [reference[value] for value in table[group]]
    for decoder, scores in result.scores.items():
        per_group = metrics.breakdown(groups, scores)
        for name in ("cer", "cer_mean", "cer_std", "wer", "wer_mean", "wer_std"):
            table[f"{decoder}_{name}"] = [per_group[value][name] for value in table[group]]
    return table


def write_breakdown(dest: Path, result: SplitResult, group: str) -> None:
    write_tsv(dest, breakdown_table(result, group))


def _label(symbol: str) -> str:
    return {" ": SPACE_LABEL, metrics.NOTHING: NOTHING_LABEL}.get(symbol, symbol)


def confusion_table(pairs: Counter, symbols: Iterable[str]) -> pd.DataFrame:
    """Counts with reference symbols (characters or viseme classes) as rows, hypothesis ones as
    columns; the ``<none>`` column holds deletions, the ``<none>`` row insertions."""
    labels = [_label(symbol) for symbol in symbols] + [NOTHING_LABEL]
    table = pd.DataFrame(0, index=pd.Index(labels, name="reference"), columns=labels)
    for (ref, hyp), count in pairs.items():
        table.loc[_label(ref), _label(hyp)] += count
    return table


def write_confusions(stem: Path, result: SplitResult) -> None:
    """Characters and viseme classes of the ranking decoder: TSV of counts, PNG of row shares."""
    scores = result.scores[RANKING_DECODER]
    tables = {"": (confusion_table(metrics.confusion(scores), text.ALPHABET), "Character"),
              "_visemes": (confusion_table(visemes.confusion(scores), visemes.CLASSES), "Viseme class")}
    for suffix, (table, kind) in tables.items():
        dest = stem.with_name(stem.name + suffix)
        with atomic_path(dest.with_suffix(".tsv")) as tmp:
            table.to_csv(tmp, sep="\t")
        figures.plot_confusion(dest.with_suffix(".png"), table, f"{kind} confusion, {result.name} split (row shares)",
                               RANKING_DECODER)


def model_info(model: keras.Model, path: Path) -> dict:
    return {
        "path": str(path),
        "sha256": file_hash(path),
        "parameters": int(model.count_params()),
        "input_shape": list(model.input_shape[1:]),
    }


def git_revision() -> str:
    """HEAD of the checkout the command runs in, ``+dirty`` when a tracked file differs from it
    (new files, such as the reports a run writes, do not count)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("+dirty" if dirty.strip() else "")


SYSTEM_TOOLS = {"ffmpeg": ["ffmpeg", "-version"], "espeak-ng": ["espeak-ng", "--version"]}
"""Debian packages whose version changes the data: ffmpeg encodes every clip's audio and video and
espeak-ng speaks the embedded corpus (a fresh machine may install a newer security release)."""


def tool_version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "not found"
    return next((word for word in result.stdout.split() if word[0].isdigit()), "unknown")


def environment() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": platform.platform(), "lipflow": __version__}
    versions.update({name: metadata.version(name) for name in ENVIRONMENT_PACKAGES})
    versions.update({name: tool_version(command) for name, command in SYSTEM_TOOLS.items()})
    versions["git"] = git_revision()
    return versions


def _markdown_table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _interval(numbers: dict, measure: str) -> str:
    return f"{numbers[measure]:.4f} [{numbers[measure + '_low']:.4f}, {numbers[measure + '_high']:.4f}]"


def _results_rows(summary: dict) -> list[list]:
    rows = []
    for split, readers in summary.items():
        for reader, numbers in readers.items():
            if not isinstance(numbers, dict):
                continue
            rows.append([
                split, reader, numbers["clips"], _interval(numbers, "cer"), _interval(numbers, "wer"),
                f"{numbers['ver']:.4f}",
                f"{numbers['cer_mean']:.4f}", f"{numbers['wer_mean']:.4f}", f"{numbers['bleu']:.4f}",
                f"{numbers['sentence_accuracy']:.4f}",
                f"{numbers['char_substitutions']}/{numbers['char_deletions']}/{numbers['char_insertions']}",
                f"{numbers['word_substitutions']}/{numbers['word_deletions']}/{numbers['word_insertions']}",
            ])
    return rows


def _worst_rows(result: SplitResult, count: int) -> list[list]:
    ranked = result.scores[RANKING_DECODER]
    rows = []
    for index in metrics.worst(ranked, count):
        hypotheses = [result.scores[decoder][index].hypothesis or "(empty)" for decoder in result.scores]
        rows.append([result.clips["clip"][index], ranked[index].reference, *hypotheses,
                     f"{ranked[index].cer:.3f}", f"{ranked[index].wer:.3f}"])
    return rows


def summary_markdown(name: str, info: dict, settings: dict, words: tuple[str, ...] | None, summary: dict,
                     results: list[SplitResult], empty: list[str], split_tsv: Path = SPLIT_FILE) -> str:
    reported = list(results[0].scores)
    lines = [
        f"# Evaluation of `{name}`", "",
        "## Model", "",
        f"- file: `{info['path']}` (sha256 {info['sha256']})",
        f"- parameters: {info['parameters']:,}",
        f"- input: {' x '.join(str(d) for d in info['input_shape'])} (frames x height x width x channels)",
        "", "## Data", "",
        f"- split table: `{split_tsv}` (sha256 {file_hash(split_tsv)}), "
        f"mouth arrays under `{layout.stage_dir('mouth')}/`",
        *(f"- {result.name}: {len(result.clips)} clips, {result.clips['speaker'].nunique()} speakers"
          for result in results),
        *(f"- {split}: no clips in the split table, not scored" for split in empty),
        "", "## Parameters (`evaluate`)", "",
        *(f"- {key}: {value}" for key, value in settings.items()),
        "", "## Results", "",
        "CER/WER: corpus rates (edit operations / reference length) with a 95% bootstrap interval over clips; "
        "VER: the error rate after mapping letters to viseme classes (`lipflow.scoring.visemes`); *mean*: mean of "
        "per-clip rates. References and hypotheses are normalised alike (`lipflow.text.normalise`). "
        "BLEU: corpus word BLEU (sacrebleu), 0-1. S/D/I: substitutions/deletions/insertions. "
        f"`{floors.MOST_FREQUENT}` and `{floors.NEAREST_CLIP}` are trivial readers on the same split (the floor: "
        "the most frequent training sentence; the label of the training clip nearest by speech duration and "
        "lip-opening profile).",
        "",
    ]
    if words is not None:
        lines += [f"`{decoders.BEAM_SNAP}` is the `{decoders.BEAM}` output with each word replaced by the nearest "
                  f"of the {len(words)} words of the training labels (edit distance): a vocabulary prior, not what "
                  "the model read.", ""]
    lines += _markdown_table(
        ["split", "reader", "clips", "CER [95%]", "WER [95%]", "VER", "CER mean", "WER mean", "BLEU",
         "sentence acc.", "chars S/D/I", "words S/D/I"],
        _results_rows(summary))
    for result in results:
        lines += ["", f"## Worst clips: {result.name} (by `{RANKING_DECODER}` CER)", ""]
        lines += _markdown_table(["clip", "reference", *reported, "CER", "WER"],
                                 _worst_rows(result, settings["worst_clips"]))
    lines += ["", "## Environment", "", *(f"- {key}: {value}" for key, value in environment().items()), ""]
    return "\n".join(lines)
