"""Scoring speech: the recogniser on real audio, and the generator against its floor and ceiling.

Every system is judged on the same clips against the same real audio (the crop-locked
waveform of the mel stage), at the mel sample rate:

- ``generated``: the generator's mel through Griffin-Lim (the model);
- ``vocoded_real``: the real mel through the same Griffin-Lim (the ceiling of this vocoder);
- ``mean_mel``: the mean training mel for every frame (the floor: no video read).

STOI and ESTOI are pystoi's; the recogniser transcribes each system's *audio* (its mel taken
again from the waveform) and is scored against the split label, which holds the spoken words
only (no ``sil`` or ``sp``: they are not speech, and counting them inflated the original's
WER). Means come with 95% bootstrap intervals over clips.
"""

from __future__ import annotations

import math
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import soundfile
from pystoi import stoi
from tqdm import tqdm

from .. import layout, mouthfile, splitfile
from ..datasets import project_sentences
from ..errors import LipflowError
from ..evaluate.run import replace_folder, write_tsv
from ..files import atomic_path, write_json, write_text
from ..models import load_model
from ..scoring import decode, intervals, metrics
from ..splitfile import PARTS, TRAIN, Row
from ..train.data import clip_path
from .data import draw_references, read_mels, reference_candidates
from .mel import AUDIO, MEL, MelSettings, clip_mel
from .models import FRAMES, REFERENCE

GENERATED, CEILING, FLOOR, REAL = "generated", "vocoded_real", "mean_mel", "real_audio"
SYSTEMS = (GENERATED, CEILING, FLOOR)
"""What is vocoded and scored, model first."""
METRICS_KEY = "lip_to_speech"
RECOGNISER_KEY = "speech_recogniser"


class SpeechEvaluateError(LipflowError):
    """Lip-to-speech scoring cannot start; the message says what is missing."""


def split_rows(table: list[Row], splits: list[str]) -> dict[str, list[Row]]:
    chosen = {split: [row for row in table if row.split == split] for split in splits}
    return {split: rows for split, rows in chosen.items() if rows}


def transcribe(recogniser: keras.Model, mels: np.ndarray, batch_size: int, words: tuple[str, ...]) -> list[str]:
    """Greedy CTC transcripts of a stack of log-mels (N x frames x mels), each word snapped to the nearest of
    ``words`` (the lexicon): the recogniser is a closed-vocabulary one, as GRID's are."""
    texts = []
    for start in range(0, len(mels), batch_size):
        logits = recogniser(mels[start:start + batch_size], training=False)
        texts += [decode.snap(text, words) for text in decode.greedy(keras.ops.convert_to_numpy(logits))]
    return texts


def lexicon(params: dict) -> tuple[str, ...]:
    """The words of the project's sentence table: what may be said (GRID's grammar, the corpus's sentences).
    Not the training labels' words: on unseen sentences those would make every new word an error."""
    return decode.vocabulary(project_sentences(params, Path(".")).values(), params["dataset"]["language"])


def rates(scores: list[metrics.Score], resamples: int, seed: int) -> dict:
    """CER and WER with their intervals, the evaluation's way."""
    numbers = metrics.summarise(scores)
    result = {"cer": numbers["cer"], "wer": numbers["wer"]}
    for measure, unit in (("cer", "chars"), ("wer", "words")):
        result[f"{measure}_low"], result[f"{measure}_high"] = intervals.interval(scores, unit, resamples, seed)
    return result


def mean_with_interval(name: str, values, resamples: int, seed: int) -> dict:
    """Mean over the clips that have a value (STOI has none for clips with too little speech)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if not values.size:
        return {f"{name}_clips": 0}
    low, high = intervals.mean_interval(values, resamples, seed)
    return {name: float(np.mean(values)), f"{name}_low": low, f"{name}_high": high, f"{name}_clips": int(values.size)}


def recogniser_report(params: dict, recogniser_path: Path, split_tsv: Path = layout.SPLIT_TABLE,
                      mel_dir: Path = layout.STAGE_DIRS["mel"]) -> dict:
    """The recogniser's CER/WER on the real audio mels of the held-out splits -> reports/eval/asr/metrics.json."""
    recogniser = load_model(recogniser_path)
    settings = params["evaluate"]
    words = lexicon(params)
    report = {}
    for split, rows in split_rows(splitfile.read(split_tsv), params["l2s"]["evaluate"]["splits"]).items():
        texts = transcribe(recogniser, read_mels(mel_dir, rows), settings["batch_size"], words)
        scores = metrics.score_all([row.label for row in rows], texts, params["dataset"]["language"])
        report[split] = {"clips": len(rows), **rates(scores, settings["bootstrap_resamples"], params["seed"])}
    write_json(layout.eval_reports(recogniser_path.parent.name) / "metrics.json", {RECOGNISER_KEY: report})
    return report


STOI_DECIMALS = 12
"""pystoi's figures vary in the 16th digit from call to call (numpy's vectorised sums depend on memory
alignment); rounded here, the same audio always gives the same metrics file."""


def stoi_pair(clean: np.ndarray, processed: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(STOI, ESTOI) of ``processed`` against ``clean``, at their true sample rate; NaN for a clip with too
    little speech to score (STOI needs 30 non-silent frames, 384 ms: a one-word sentence can be shorter),
    where pystoi warns and returns 1e-5, a number that would drag every mean down."""
    length = min(len(clean), len(processed))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return (round(float(stoi(clean[:length], processed[:length], sample_rate)), STOI_DECIMALS),
                    round(float(stoi(clean[:length], processed[:length], sample_rate, extended=True)), STOI_DECIMALS))
        except RuntimeWarning:
            return math.nan, math.nan


@dataclass
class ClipSpeech:
    """One clip: real audio and mel, and each system's mel and audio."""

    row: Row
    audio: np.ndarray
    mel: np.ndarray
    mels: dict[str, np.ndarray]
    waves: dict[str, np.ndarray]


def generate(generator: keras.Model, rows: list[Row], pool: list[Row], pool_mels: np.ndarray, mouth_dir: Path,
             batch_size: int, seed: int) -> np.ndarray:
    """The generator's mels for ``rows``; each clip's reference is another utterance of its speaker from ``pool``
    (whose mels are ``pool_mels``, in its order)."""
    references = draw_references(reference_candidates(rows, pool), seed)
    outputs = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        frames = np.stack([mouthfile.read_frames(clip_path(mouth_dir, row.clip)) for row in chunk]).astype(np.float32)
        inputs = {FRAMES: frames, REFERENCE: pool_mels[references[start:start + len(chunk)]]}
        outputs.append(keras.ops.convert_to_numpy(generator(inputs, training=False)[MEL]))
    return np.concatenate(outputs)


def speak_split(generated: np.ndarray, rows: list[Row], mean_mel: np.ndarray, mel_dir: Path,
                settings: MelSettings) -> list[ClipSpeech]:
    """Vocode every system for every clip of a split."""
    floor_mel = np.tile(mean_mel, (generated.shape[1], 1)).astype(np.float32)
    floor_wave = settings.to_audio(floor_mel)
    clips = []
    for row, mel in tqdm(list(zip(rows, generated, strict=True)), desc="vocode", unit="clip"):
        with np.load(clip_path(mel_dir, row.clip)) as arrays:
            audio, real_mel = arrays[AUDIO], arrays[MEL]
        mels = {GENERATED: mel, CEILING: real_mel, FLOOR: floor_mel}
        waves = {GENERATED: settings.to_audio(mel), CEILING: settings.to_audio(real_mel), FLOOR: floor_wave}
        clips.append(ClipSpeech(row, audio, real_mel, mels, waves))
    return clips


def clip_table(clips: list[ClipSpeech], transcripts: dict[str, list[str]], language: str,
               settings: MelSettings) -> pd.DataFrame:
    """One row per clip: its STOI, ESTOI, mel L1, transcript and error rates under every system."""
    table = pd.DataFrame({"clip": [c.row.clip for c in clips], "speaker": [c.row.speaker for c in clips],
                          "sentence_id": [c.row.sentence_id for c in clips], "reference": [c.row.label for c in clips]})
    for system in SYSTEMS:
        pairs = [stoi_pair(c.audio, c.waves[system], settings.sample_rate) for c in clips]
        table[f"stoi_{system}"] = [p[0] for p in pairs]
        table[f"estoi_{system}"] = [p[1] for p in pairs]
        table[f"mel_l1_{system}"] = [float(np.abs(c.mels[system] - c.mel).mean()) for c in clips]
    for system, texts in transcripts.items():
        scores = metrics.score_all(table["reference"], texts, language)
        table[f"hyp_{system}"] = texts
        table[f"cer_{system}"] = [s.cer for s in scores]
        table[f"wer_{system}"] = [s.wer for s in scores]
    return table


def system_summary(table: pd.DataFrame, transcripts: dict[str, list[str]], language: str,
                   resamples: int, seed: int) -> dict:
    summary = {}
    for system in (*SYSTEMS, REAL):
        numbers = {}
        if system in SYSTEMS:
            for measure in ("stoi", "estoi", "mel_l1"):
                numbers.update(mean_with_interval(measure, table[f"{measure}_{system}"], resamples, seed))
        scores = metrics.score_all(table["reference"], transcripts[system], language)
        summary[system] = {**numbers, **rates(scores, resamples, seed)}
    ceiling, floor = summary[CEILING].get("stoi"), summary[FLOOR].get("stoi")
    summary["stoi_share_of_floor_to_ceiling"] = ((summary[GENERATED]["stoi"] - floor) / (ceiling - floor)
                                                 if ceiling is not None and ceiling > floor else None)
    return summary


def per_speaker(table: pd.DataFrame) -> pd.DataFrame:
    columns = [f"{measure}_{system}" for system in SYSTEMS for measure in ("stoi", "estoi")]
    grouped = table.groupby("speaker")
    result = grouped[columns + [f"wer_{system}" for system in (*SYSTEMS, REAL)]].mean()
    result.insert(0, "clips", grouped.size())
    return result.reset_index()


def example_clips(clips: list[ClipSpeech], count: int) -> list[ClipSpeech]:
    """``count`` clips to listen to, one per speaker while speakers last (the first clip of each)."""
    firsts = list({clip.row.speaker: clip for clip in reversed(clips)}.values())[::-1]
    rest = [clip for clip in clips if all(clip is not first for first in firsts)]
    return (firsts + rest)[:count]


def write_examples(folder: Path, clips: list[ClipSpeech], count: int, settings: MelSettings) -> list[str]:
    """Real, generated and vocoded-real WAVs and a real-over-generated spectrogram of ``count`` clips."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = []
    for clip in example_clips(clips, count):
        stem = clip.row.clip.replace("/", "_")
        for system, wave in (("real", clip.audio), (GENERATED, clip.waves[GENERATED]), (CEILING, clip.waves[CEILING])):
            with atomic_path(folder / f"{stem}.{system}.wav") as tmp:
                soundfile.write(tmp, wave, settings.sample_rate, format="WAV")
        figure, axes = pyplot.subplots(2, 1, figsize=(8, 4.5), sharex=True)
        for axis, (title, mel) in zip(axes, (("real", clip.mel), (GENERATED, clip.mels[GENERATED])), strict=True):
            axis.imshow(mel.T, origin="lower", aspect="auto", vmin=clip.mel.min(), vmax=clip.mel.max())
            axis.set_title(f"{clip.row.clip} {title}" + (f": {clip.row.label}" if title == "real" else ""), fontsize=8)
            axis.set_ylabel("mel bin")
        axes[-1].set_xlabel(f"mel frame ({settings.per_video_frame} per video frame)")
        figure.tight_layout()
        with atomic_path(folder / f"{stem}.png") as tmp:
            figure.savefig(tmp, format="png", dpi=90)
        pyplot.close(figure)
        names.append(stem)
    return names


def _cell(numbers: dict, measure: str) -> str:
    if measure not in numbers:
        return ""
    return f"{numbers[measure]:.3f} [{numbers[measure + '_low']:.3f}, {numbers[measure + '_high']:.3f}]"


def summary_markdown(run: str, summary: dict, examples: dict[str, list[str]], self_references: int) -> str:
    lines = [f"# Lip-to-speech evaluation: {run}", "",
             "Speech from the silent mouth video, vocoded with Griffin-Lim and scored against the real audio of the "
             "same frames. `vocoded_real` (the real mel through the same vocoder) is the ceiling, `mean_mel` (the "
             "mean training mel: no video read) the floor; `real_audio` is the recogniser on the real audio. The "
             "recogniser's words are snapped to the sentence table's words (a closed-vocabulary recogniser). "
             "Means and rates with 95% bootstrap intervals over clips.", ""]
    for split, numbers in summary.items():
        lines += [f"## {split} ({numbers['clips']} clips)", "",
                  "| system | STOI | ESTOI | mel L1 | WER | CER |", "|---|---|---|---|---|---|"]
        for system in (*SYSTEMS, REAL):
            row = numbers[system]
            lines.append(f"| {system} | {_cell(row, 'stoi')} | {_cell(row, 'estoi')} | {_cell(row, 'mel_l1')} | "
                         f"{_cell(row, 'wer')} | {_cell(row, 'cer')} |")
        share = numbers["stoi_share_of_floor_to_ceiling"]
        lines += ["", f"Generated STOI covers {share:.0%} of the way from the floor to the ceiling."
                  if share is not None else "The ceiling is not above the floor: STOI cannot rank the model here."]
        unscored = numbers["clips"] - numbers[GENERATED].get("stoi_clips", 0)
        if unscored:
            lines.append(f"STOI and ESTOI are means over {numbers['clips'] - unscored} clips: {unscored} have under "
                         "384 ms of speech, too little for STOI to score.")
        lines.append("")
        for stem in examples.get(split, []):
            lines += [f"![{stem}]({split}/{stem}.png)", f"[real]({split}/{stem}.real.wav) · "
                      f"[generated]({split}/{stem}.{GENERATED}.wav) · [vocoded real]({split}/{stem}.{CEILING}.wav)", ""]
    if self_references:
        lines += [f"{self_references} clip(s) had no other utterance of their speaker: their reference mel is their "
                  "own.", ""]
    return "\n".join(lines)


def evaluate_generator(params: dict, generator_path: Path, recogniser_path: Path, run: str,
                       split_tsv: Path = layout.SPLIT_TABLE, mouth_dir: Path = layout.STAGE_DIRS["mouth"],
                       mel_dir: Path = layout.STAGE_DIRS["mel"]) -> dict:
    """Score the generator on l2s.evaluate.splits -> reports/eval/<run>/ (metrics, tables, WAVs, pictures)."""
    for path in (generator_path, recogniser_path):
        if not Path(path).is_file():
            raise SpeechEvaluateError(f"{path}: model not found (run lipflow asr and lipflow train-l2s first)")
    settings, evaluate = MelSettings.from_params(params), params["evaluate"]
    language, resamples, seed = params["dataset"]["language"], evaluate["bootstrap_resamples"], params["seed"]
    table = splitfile.read(split_tsv)
    pool = [row for row in table if row.split in PARTS]
    pool_mels = read_mels(mel_dir, pool)
    words = lexicon(params)
    mean_mel = pool_mels[[row.split == TRAIN for row in pool]].mean(axis=(0, 1))
    generator, recogniser = load_model(generator_path), load_model(recogniser_path)
    out = layout.eval_reports(run)
    staging = out / f".{layout.SPEECH_REPORT}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    summary, examples, tables = {}, {}, []
    for split, rows in split_rows(table, params["l2s"]["evaluate"]["splits"]).items():
        generated = generate(generator, rows, pool, pool_mels, mouth_dir, evaluate["batch_size"], seed)
        clips = speak_split(generated, rows, mean_mel, mel_dir, settings)
        heard = {system: np.stack([clip_mel(c.waves[system], settings) for c in clips]) for system in SYSTEMS}
        transcripts = {system: transcribe(recogniser, mels, evaluate["batch_size"], words)
                       for system, mels in heard.items()}
        transcripts[REAL] = transcribe(recogniser, np.stack([c.mel for c in clips]), evaluate["batch_size"], words)
        per_clip = clip_table(clips, transcripts, language, settings)
        summary[split] = {"clips": len(rows), **system_summary(per_clip, transcripts, language, resamples, seed)}
        tables.append(per_clip.assign(split=split))
        write_tsv(staging / f"per_speaker_{split}.tsv", per_speaker(per_clip))
        examples[split] = write_examples(staging / split, clips, params["l2s"]["evaluate"]["wavs"], settings)
    write_tsv(staging / "predictions.tsv", pd.concat(tables, ignore_index=True))
    self_references = sum(candidates == [index] for index, candidates in
                          enumerate(reference_candidates(pool, pool)))
    write_text(staging / "summary.md", summary_markdown(run, summary, examples, self_references))
    replace_folder(staging, out / layout.SPEECH_REPORT)
    write_json(out / "metrics.json", {METRICS_KEY: summary})
    return summary
