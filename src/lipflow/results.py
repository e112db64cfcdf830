"""``reports/results.md``: the result tables, written from the metrics files and nothing else.

The README's result section is this file's content between two markers (``lipflow results
--readme`` copies it there, a test fails when they differ), so no number in it is typed by
hand and each is traced to the metrics file, the environment and the git revision of the run
that made it.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import experiment_report, layout
from .errors import LipflowError
from .evaluate.floors import MOST_FREQUENT, NEAREST_CLIP
from .files import file_hash, read_json, write_text
from .params import is_grid, load

RESULTS = layout.REPORTS / "results.md"
README = Path("README.md")
START, END = "<!-- results:start -->", "<!-- results:end -->"
STUDY_START, STUDY_END = "<!-- study:start -->", "<!-- study:end -->"
SPEECH_START, SPEECH_END = "<!-- l2s:start -->", "<!-- l2s:end -->"
SPEECH_STUDY = Path("studies/l2s")
STUDY = Path("studies/realistic")
SIM_TO_REAL = Path("studies/sim_to_real")
PART_ORDER = ("train", "val", "test", "excluded")
FLOORS = (MOST_FREQUENT, NEAREST_CLIP)
PERCENT = 100
SPEECH_KEY, SPEECH_SYSTEMS = "lip_to_speech", ("generated", "vocoded_real", "mean_mel", "real_audio")
REFERENCE_SYSTEM = "STOI 0.54, ESTOI 0.27, WER 70%"
"""The original lip-to-speech system's published GRID figures (reference.md section 6), for orientation only."""


class ResultsError(LipflowError):
    """A metrics file the results need is missing, or the README has no results section."""


def sources(params: dict) -> dict[str, Path]:
    run = params["train"]["run"]
    return {
        "evaluation": layout.eval_reports(run) / "metrics.json",
        "environment": layout.eval_reports(run) / "environment.json",
        "training": layout.train_reports(run) / "metrics.json",
        "split": layout.SPLIT_METRICS,
        "alignment": layout.ALIGNMENT_METRICS,
        "experiment": layout.EXPERIMENT_REPORTS / "kd_vs_vanilla.json",
        "speech": layout.eval_reports(params["l2s"]["run"]) / "metrics.json",
    }


def _rate(numbers: dict, measure: str) -> str:
    value = f"{PERCENT * numbers[measure]:.2f}%"
    if f"{measure}_low" in numbers:
        value += f" [{PERCENT * numbers[f'{measure}_low']:.2f}, {PERCENT * numbers[f'{measure}_high']:.2f}]"
    return value


def protocol_lines(split: dict) -> list[str]:
    """What the numbers measure, said before any number: the split and how closed the test set is."""
    parts = split["parts"]
    lines = [f"Split mode `{split['mode']}`: " + "; ".join(
        f"{name} {parts[name]['clips']} clips, {parts[name]['speakers']} speakers, {parts[name]['sentences']} sentences"
        for name in PART_ORDER if parts.get(name, {}).get("clips")) + "."]
    test = parts.get("test", {})
    unseen = test.get("unseen_word_share")
    if unseen is not None and test.get("unseen_sentence_share", 0) == 0:
        lines.append(f"**Closed set: every test sentence is also a training sentence** ({PERCENT * unseen:.0f}% of "
                     "test words unseen in training). These numbers measure recognising whole known sentences, not "
                     "reading new ones; compare them with the floors below, and see the `sentences` and "
                     "`speakers_sentences` split modes for open-set protocols.")
    elif unseen is not None:
        lines.append(f"{PERCENT * test['unseen_sentence_share']:.0f}% of test sentences and {PERCENT * unseen:.0f}% "
                     "of test words never occur in training.")
    return lines


def _reader_rank(reader: str) -> tuple[bool, str]:
    """The model's decoders first, then the floors."""
    return reader in FLOORS, reader


def evaluation_table(evaluation: dict) -> list[str]:
    lines = ["| split | reader | clips | CER [95% interval] | WER [95% interval] | viseme ER |",
             "|---|---|---|---|---|---|"]
    for split in (part for part in PART_ORDER if part in evaluation):
        readers = {name: numbers for name, numbers in evaluation[split].items() if isinstance(numbers, dict)}
        for reader in sorted(readers, key=_reader_rank):
            numbers = readers[reader]
            viseme = f"{PERCENT * numbers['ver']:.2f}%" if "ver" in numbers else "-"
            lines.append(f"| {split} | {reader} | {numbers['clips']} | {_rate(numbers, 'cer')} | "
                         f"{_rate(numbers, 'wer')} | {viseme} |")
    return lines


def experiment_lines(report: dict) -> list[str]:
    lines = ["| protocol | split | decoder | measure | vanilla | KD | KD - vanilla [95% interval] | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for protocol, entry in report.get("protocols", {}).items():
        for row in entry["comparisons"]:
            lines.append(
                f"| {protocol} | {row['split']} | {row['decoder']} | {row['measure'].upper()} | "
                f"{PERCENT * row['vanilla']:.2f}% | {PERCENT * row['kd']:.2f}% | {PERCENT * row['difference']:+.2f} "
                f"[{PERCENT * row['low']:+.2f}, {PERCENT * row['high']:+.2f}] | {row['verdict']} |")
    return lines


def _mean(numbers: dict, measure: str) -> str:
    if measure not in numbers:
        return "-"
    return f"{numbers[measure]:.3f} [{numbers[measure + '_low']:.3f}, {numbers[measure + '_high']:.3f}]"


def speech_lines(speech: dict, run: str) -> list[str]:
    """Lip-to-speech per split: the model between its floor and ceiling, and the recogniser on real audio."""
    lines = [f"Lip-to-speech (`{run}`): speech generated from the silent mouth video (Griffin-Lim), scored against "
             "the real audio of the same frames: `generated` is the model, `vocoded_real` the real mel through the "
             "same vocoder (ceiling), `mean_mel` the mean training mel (floor: no video read), `real_audio` the "
             "recogniser on the real audio. WER and CER are the in-pipeline recogniser's, against the spoken words "
             "only. Means and rates with 95% bootstrap intervals over clips.", "",
             "| split | system | clips | STOI | ESTOI | WER | CER |", "|---|---|---|---|---|---|---|"]
    for split in (part for part in PART_ORDER if part in speech):
        for system in SPEECH_SYSTEMS:
            numbers = speech[split][system]
            lines.append(f"| {split} | {system} | {speech[split]['clips']} | {_mean(numbers, 'stoi')} | "
                         f"{_mean(numbers, 'estoi')} | {_rate(numbers, 'wer')} | {_rate(numbers, 'cer')} |")
    shares = [f"{split} {PERCENT * speech[split]['stoi_share_of_floor_to_ceiling']:.0f}%" for split in PART_ORDER
              if split in speech and speech[split]["stoi_share_of_floor_to_ceiling"] is not None]
    unscored = [f"{split} {speech[split]['clips'] - speech[split]['generated']['stoi_clips']}" for split in PART_ORDER
                if split in speech and speech[split]["generated"].get("stoi_clips", speech[split]["clips"])
                < speech[split]["clips"]]
    if unscored:
        lines += ["", "STOI and ESTOI leave out clips with under 384 ms of speech, too little to score (one-word "
                      f"sentences): {', '.join(unscored)} clips."]
    return lines + ["", f"Generated STOI, as a share of the way from the floor to the ceiling: {', '.join(shares)}. "
                        f"The reference system reported {REFERENCE_SYSTEM} on GRID: other data (real speech, 33 "
                        "speakers, a neural front end trained on GPUs), so the two are not comparable."]


def alignment_lines(alignment: dict, params: dict) -> list[str]:
    """The word-boundary errors, each named for what it measures."""
    lines = []
    if "real_speech" in alignment:
        real = alignment["real_speech"]
        lines += ["", "Forced alignment (aeneas) on **real speech**: GRID speaker s1's `bbaf2n` (English, shipped in "
                      "`lipflow/reference`) against GRID's own alignment, with this run's `align` params: mean "
                      f"word-boundary error {real['mean_abs_error_frames']:.2f} frames, worst "
                      f"{real['max_abs_error_frames']:.2f}, over {real['boundaries']} boundaries."]
    if "tts_truth" in alignment:
        tts = alignment["tts_truth"]
        what = ("the shipped `.align` files (not aeneas) against the generator's word timing" if is_grid(params) else
                "aeneas's espeak voice aligned to espeak-ng speech against the generator's word timing: **TTS "
                "against TTS**, which flatters the aligner")
        lines += ["", f"On the embedded corpus (`{params['dataset']['language']}`), {what}: mean "
                      f"{tts['mean_abs_error_frames']:.2f} frames, worst {tts['max_abs_error_frames']:.2f}, over "
                      f"{tts['boundaries']} boundaries."]
    return lines


def markdown(params: dict) -> str:
    paths = sources(params)
    missing = [str(paths[key]) for key in ("evaluation", "environment", "split") if not paths[key].is_file()]
    if missing:
        raise ResultsError(f"missing metrics file(s) {', '.join(missing)}: run the pipeline (evaluate) first")
    found = {key: read_json(path) for key, path in paths.items() if path.is_file()}
    environment = found["environment"]
    lines = [
        "Generated by `lipflow results` from the metrics files listed at the end; not typed by hand.", "",
        *protocol_lines(found["split"]), "",
        f"Model `{params['train']['run']}` (variant `{params['model']['variant']}`), corpus rates over clips; "
        "the interval is a 95% bootstrap over clips; viseme ER is the error rate after mapping letters to viseme "
        "classes. `floor_*` rows are trivial readers on the same split (docs/evaluation.md).", "",
        *evaluation_table(found["evaluation"]),
    ]
    if "training" in found:
        training = found["training"]
        lines += ["", f"Best epoch {training['best_epoch']} of {training['epochs']} by val CER "
                      f"({PERCENT * training['val_cer']:.2f}%)."]
    if "experiment" in found:
        lines += ["", "Vanilla against online distillation (best student), paired over the same test clips, "
                      f"{len(found['experiment'].get('seeds', []))} training seeds:", "",
                  *experiment_lines(found["experiment"])]
    if "speech" in found:
        lines += ["", *speech_lines(found["speech"][SPEECH_KEY], params["l2s"]["run"])]
    if "alignment" in found:
        lines += alignment_lines(found["alignment"], params)
    lines += ["", f"Environment: lipflow {environment.get('lipflow')}, Python {environment.get('python')}, "
                  f"TensorFlow {environment.get('tensorflow')}, git {environment.get('git')}.", "",
              "Sources: " + ", ".join(f"`{path}` ({file_hash(path)})" for path in paths.values()
                                      if path.is_file()) + "."]
    return "\n".join(lines) + "\n"


def study_lines(report_path: Path, params: dict) -> list[str]:
    report = read_json(report_path)
    protocols = report["protocols"]
    lines = [f"Generated by `lipflow results --readme` from `{report_path}` ({file_hash(report_path)}).", "",
             *experiment_report.protocol_table(protocols, params), ""]
    complete = [p for p, e in protocols.items() if len(e["seeds"]) == len(report["seeds"])]
    missing = [experiment_report.protocol_label(p, params) for p in params["experiment"]["protocols"]
               if p not in complete]
    verdicts = [f"{experiment_report.protocol_label(p, params)}: "
                f"{experiment_report.comparison(protocols[p], 'test', 'cer')['verdict']} ({len(report['seeds'])} seeds)"
                for p in complete]
    capped = [run for entry in protocols.values() for run in experiment_report.capped_runs(entry.get("training", {}))]
    lines.append("What it shows about distillation (test CER, KD - vanilla): "
                 + ("; ".join(verdicts) if verdicts else "nothing yet") + "."
                 + (f" Not finished (fewer than {len(report['seeds'])} seeds, so not yet a comparison): "
                    f"{', '.join(missing)}." if missing else "")
                 + (" Stopped by the epoch cap rather than by early stopping, so possibly compared before "
                    f"convergence: {', '.join(capped)}." if capped else ""))
    return lines


def study_markdown(study: Path = STUDY, sim_to_real: Path = SIM_TO_REAL) -> str:
    """The README's study section: protocols x {floor, vanilla, KD} of the realistic-corpus study,
    a sentence on what it shows about distillation, and the sim-to-real figure; from their metrics files."""
    report_path = study / layout.EXPERIMENT_REPORTS / f"{experiment_report.REPORT_NAME}.json"
    if report_path.is_file():
        lines = study_lines(report_path, load(study / "params.yaml"))
    else:
        lines = [f"The study has not been run yet (`bash scripts/study.sh`; results land in `{report_path}`)."]
    sim_path = sim_to_real / "reports" / "sim_to_real.json"
    if sim_path.is_file():
        sim = read_json(sim_path)
        real, floor = sim["real_grid"]["beam"], sim["real_grid"]["floor_most_frequent"]
        lines += ["", f"Sim-to-real (`{sim_path}`, {file_hash(sim_path)}): trained on the GRID-like embedded corpus "
                      f"with the realistic mouth (synthetic test CER {_rate(sim['synthetic_test']['beam'], 'cer')}), "
                      f"then read on {len(sim['clips'])} real GRID clips: CER {_rate(real, 'cer')}, WER "
                      f"{_rate(real, 'wer')}, against the floor (most frequent training sentence) CER "
                      f"{_rate(floor, 'cer')}, WER {_rate(floor, 'wer')}: {_against_floor(real, floor)}."]
    return "\n".join(lines) + "\n"


def speech_study_markdown(study: Path = SPEECH_STUDY) -> str:
    """The README's lip-to-speech protocol section: per protocol folder of scripts/l2s_study.sh, its split
    and the generator against floor and ceiling; from their metrics files."""
    lines = []
    for folder in sorted(path.parent for path in study.glob("*/params.yaml")):
        params = load(folder / "params.yaml")
        run = params["l2s"]["run"]
        metrics = folder / layout.eval_reports(run) / "metrics.json"
        if not metrics.is_file():
            continue
        training = read_json(folder / layout.train_reports(run) / "metrics.json")
        lines += [f"### `{folder.name}` protocol", "", *protocol_lines(read_json(folder / layout.SPLIT_METRICS)), "",
                  *speech_lines(read_json(metrics)[SPEECH_KEY], run), "",
                  f"Generator: best epoch {training['best_epoch']} of {training['epochs']} by val mel L1; one training "
                  f"seed. Source: `{metrics}` ({file_hash(metrics)}).", ""]
    if not lines:
        return f"Not run yet (`bash scripts/l2s_study.sh`; results land in `{study}/<mode>/`).\n"
    return "\n".join(lines)


def _against_floor(model: dict, floor: dict) -> str:
    """Plain words for the model's CER interval against the floor's."""
    if model["cer_high"] < floor["cer_low"]:
        return "it reads real lips better than the floor"
    if model["cer_low"] > floor["cer_high"]:
        return "**worse than the floor: it does not read real lips**"
    return "not distinguishable from the floor"


def write(params: dict) -> Path:
    write_text(RESULTS, markdown(params))
    return RESULTS


def readme_section(readme: str, start: str = START, end: str = END) -> str:
    match = re.search(re.escape(start) + r"\n(.*?)" + re.escape(end), readme, re.S)
    if not match:
        raise ResultsError(f"{README} has no section between {start} and {end}")
    return match.group(1)


def update_readme(results: str, study: str, speech_study: str, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    for start, end, new in ((START, END, results), (STUDY_START, STUDY_END, study),
                            (SPEECH_START, SPEECH_END, speech_study)):
        text = text.replace(start + "\n" + readme_section(text, start, end) + end, start + "\n" + new + end)
    write_text(readme, text)
