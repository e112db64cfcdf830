"""Load and validate ``params.yaml``, the single source of parameters.

Validation runs when the Snakefile loads and when any CLI stage starts, so a wrong key,
type or path fails before any work is done, with one message naming the key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import LipflowError
from .layout import CORPUS

DEFAULT_PATH = Path("params.yaml")
SCHEMA = "schemas/params.schema.yaml"
"""Not a code dependency of any stage: validation only accepts or refuses a value, never
changes one, so a schema edit (a new stage's section) must not rerun the others."""
BUILTIN_PREFIX = "builtin:"
SYNTHETIC_KINDS = ("synthetic", "grid_synthetic")
"""Kinds whose corpus the synth stage generates into :data:`CORPUS`."""
GRID_KINDS = ("grid", "grid_synthetic")
"""Kinds in GRID's layout: <code>.mpg videos with shipped .align files, 3 s clips."""
GRID_SENTENCES = BUILTIN_PREFIX + "grid"
ITALIAN_GRAMMAR_SENTENCES = BUILTIN_PREFIX + "italian_grid"
GRAMMAR_SENTENCES = (GRID_SENTENCES, ITALIAN_GRAMMAR_SENTENCES)
"""Built-in tables made by a slot grammar (:mod:`lipflow.grammars`): tens of thousands of sentences."""
GRID_LANGUAGE = "eng"
CLIP_FRAMES = {"grid": 75, "grid_synthetic": 75}
"""``mouth.frames: auto`` by dataset kind (GRID: 3 s at 25 fps); other kinds 100 (4 s)."""
DEFAULT_CLIP_FRAMES = 100


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML 1.2 floats: ``dvc exp run -S train.learning_rate=1e-5`` writes ``1e-05``, which
    YAML 1.1 (PyYAML's default) reads as a string for want of a decimal point. libyaml's
    parser when PyYAML has it: every per-clip job reads params.yaml and the schema."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789"))


class ParamsError(LipflowError, ValueError):
    """params.yaml is wrong; the message names the key."""


def schema() -> dict:
    text = resources.files("lipflow").joinpath(SCHEMA).read_text()
    return yaml.load(text, Loader=_Loader)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - known)
        return "; ".join(f"{_key([*error.absolute_path, k])}: unknown key" for k in unknown)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return "; ".join(f"{_key([*error.absolute_path, k])}: missing key" for k in missing)
    return f"{_key(error.absolute_path)}: {error.message}"


def validate(params: dict, base: Path = Path(".")) -> dict:
    """Raise :class:`ParamsError` naming the first wrong key; return ``params``."""
    if not isinstance(params, dict):
        raise ParamsError("params.yaml must be a mapping of sections")
    errors = sorted(
        _validator().iter_errors(params),
        key=lambda e: (len(e.absolute_path), _key(e.absolute_path)),
    )
    if errors:
        raise ParamsError(_describe(errors[0]))
    _check_paths(params, base)
    _check_grid(params["dataset"])
    _check_sentence_draw(params)
    _check_align_languages(params["align"])
    _check_mel(params["l2s"]["mel"], params["fps"]["fps"])
    return _resolve(params)


def _check_mel(mel: dict, fps: float) -> None:
    """Mel frames must tile the video frames (4 per frame at 25 fps), and the filterbank fit the audio."""
    samples = mel["sample_rate"] / fps
    if samples != int(samples) or int(samples) % mel["hop_length"]:
        raise ParamsError(f"l2s.mel.hop_length: {mel['sample_rate']} Hz at {fps:g} fps is {samples:g} samples per "
                          f"video frame, not a whole number of hops of {mel['hop_length']}")
    if not mel["fmin"] < mel["fmax"] <= mel["sample_rate"] / 2:
        raise ParamsError(f"l2s.mel.fmax: need fmin < fmax <= sample_rate / 2, got fmin {mel['fmin']}, "
                          f"fmax {mel['fmax']} at {mel['sample_rate']} Hz")
    if mel["win_length"] > mel["n_fft"]:
        raise ParamsError(f"l2s.mel.win_length: {mel['win_length']} is longer than n_fft {mel['n_fft']}")


def _check_align_languages(align: dict) -> None:
    """Each ``align.languages`` entry, laid over the shared values, must be a valid align section."""
    section = jsonschema.Draft202012Validator(schema()["properties"]["align"])
    for language, values in align["languages"].items():
        if "languages" in values:
            raise ParamsError(f"align.languages.{language}.languages: unknown key")
        errors = sorted(section.iter_errors({**align, **values}), key=lambda e: _key(e.absolute_path))
        if errors:
            raise ParamsError(f"align.languages.{language}.{_describe(errors[0])}")


def is_grid(params: dict) -> bool:
    return params["dataset"]["kind"] in GRID_KINDS


def is_synthetic(params: dict) -> bool:
    return params["dataset"]["kind"] in SYNTHETIC_KINDS


def _check_grid(dataset: dict) -> None:
    """The GRID kinds name their sentences by the GRID grammar; any other table cannot match."""
    grid_kind = dataset["kind"] in GRID_KINDS
    if grid_kind and dataset["sentences"] != GRID_SENTENCES:
        raise ParamsError(f"dataset.sentences: dataset.kind {dataset['kind']} needs {GRID_SENTENCES} "
                          f"(GRID file names spell their sentences), not {dataset['sentences']}")
    if not grid_kind and dataset["sentences"] == GRID_SENTENCES:
        raise ParamsError(f"dataset.sentences: {GRID_SENTENCES} is for dataset.kind grid or grid_synthetic")
    if grid_kind and dataset["language"] != GRID_LANGUAGE:
        raise ParamsError(f"dataset.language: GRID is English; set dataset.language: {GRID_LANGUAGE}")


def _check_sentence_draw(params: dict) -> None:
    """A grammar table is too large for every speaker to say all of it: a count must be given."""
    synth, sentences = params["synth"], params["dataset"]["sentences"]
    if not is_synthetic(params) or sentences not in GRAMMAR_SENTENCES:
        if synth["sentence_pool"] is not None:
            raise ParamsError(f"synth.sentence_pool: draws from a grammar table ({', '.join(GRAMMAR_SENTENCES)}) "
                              f"of the embedded corpus; set it to null for {sentences}")
        return
    if synth["sentence_pool"] is None and synth["sentences_per_speaker"] is None:
        raise ParamsError(f"synth.sentences_per_speaker: {sentences} has tens of thousands of sentences; say how many "
                          "each speaker says (and, for sentences shared between speakers, synth.sentence_pool)")


def _resolve(params: dict) -> dict:
    """Fill in the values params.yaml leaves to the dataset (``auto``), so no stage guesses them."""
    mouth = params["mouth"]
    if mouth["frames"] == "auto":
        mouth["frames"] = CLIP_FRAMES.get(params["dataset"]["kind"], DEFAULT_CLIP_FRAMES)
    return params


def _check_paths(params: dict, base: Path) -> None:
    dataset = params["dataset"]
    sentences = dataset["sentences"]
    if sentences.startswith(BUILTIN_PREFIX):
        name = sentences[len(BUILTIN_PREFIX):]
        if name not in builtin_tables():
            raise ParamsError(
                f"dataset.sentences: no built-in table {name!r}; built-in: {', '.join(builtin_tables())}"
            )
    elif not (base / sentences).is_file():
        raise ParamsError(f"dataset.sentences: file not found: {sentences}")
    root = Path(dataset["root"])
    if dataset["kind"] in SYNTHETIC_KINDS and root != CORPUS:
        raise ParamsError(
            f"dataset.root: the synthetic corpus is generated into {CORPUS} (a declared output of the "
            f"synth stage); set dataset.root: {CORPUS}, or dataset.kind to your recordings' kind"
        )
    if dataset["kind"] not in SYNTHETIC_KINDS:
        if root == CORPUS:
            raise ParamsError(f"dataset.root: {CORPUS} belongs to the synthetic corpus; put recordings elsewhere")
        if not (base / root).is_dir():
            raise ParamsError(f"dataset.root: folder not found: {dataset['root']}")
    extra = params["synth"]["extra_sentences"]
    if extra is not None and not (base / extra).is_file():
        raise ParamsError(f"synth.extra_sentences: file not found: {extra}")


def builtin_tables() -> list[str]:
    files = resources.files("lipflow").joinpath("resources").iterdir()
    tables = [f.name[len("sentences_"):-len(".tsv")] for f in files if f.name.startswith("sentences_")]
    return sorted([*tables, *(name[len(BUILTIN_PREFIX):] for name in GRAMMAR_SENTENCES)])


def load(path: Path | str = DEFAULT_PATH) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    try:
        params = yaml.load(path.read_text(), Loader=_Loader)
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML: {error}") from None
    return validate(params, base=path.parent)


def lookup(params: dict, dotted: str):
    """``lookup(params, "train.epochs")`` -> ``params["train"]["epochs"]``."""
    value = params
    for part in dotted.split("."):
        value = value[part]
    return value


def fingerprint(*parts: Any) -> str:
    """Stable short hash of parameters and inputs, stored in records to detect staleness."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
