"""Writing one planned clip of the embedded corpus: video, truth file and (GRID-like) .align."""

from __future__ import annotations

from pathlib import Path

from .. import alignfile, grid
from ..errors import StageError
from ..files import atomic_path, write_json, write_text
from ..params import is_grid
from . import corpus
from .plan import (
    ALIGN_FOLDER,
    VIDEO_SUFFIX,
    align_path,
    alignment_folders,
    key_of,
    parse_key,
    planned_clips,
    text_of,
    truth_path,
)


def _remove_stale_alignments(params: dict, root: Path, key: str) -> None:
    """Drop this code's ``.align`` from other speakers' folders where no planned clip puts one.

    A change of ``synth.grid_misplaced_alignments`` would otherwise leave copies in the old
    folders, and the ingestion check would see two candidate folders for a speaker.
    """
    folders = alignment_folders(params)
    planned = {align_path(params, root, key_of(p), folders) for p in planned_clips(params)}
    code = key.split("/")[1]
    for k in range(1, params["synth"]["speakers"] + 1):
        path = Path(root) / f"s{k}" / ALIGN_FOLDER / f"{code}{grid.ALIGN_SUFFIX}"
        if path not in planned:
            path.unlink(missing_ok=True)


def synthesize_clip(params: dict, relpath: str, root: Path, base: Path = Path(".")) -> dict:
    """Write one planned clip, its truth file and (GRID-like) its .align under ``root``; return the record's details."""
    key = key_of(relpath)
    match = parse_key(params, key)
    planned = {key_of(p) for p in planned_clips(params, base)}
    if not match or key not in planned:
        raise StageError(f"{relpath}: not a planned clip (see lipflow.synth.plan.planned_clips)")
    grid_kind = is_grid(params)
    settings = corpus.grid_settings(params["synth"]) if grid_kind else params["synth"]
    text = text_of(params, match["sentence_id"], base)
    make_speaker = corpus.grid_speaker if grid_kind else corpus.speaker
    who = make_speaker(params["seed"], int(match["speaker"]), params["synth"])
    rendered = corpus.render(params["seed"], settings, params["dataset"]["language"], who, match["sentence_id"], text)
    video = Path(root) / f"{key}{VIDEO_SUFFIX}"
    with atomic_path(video) as tmp:
        corpus.encode(rendered, who.frame_rate, who.encoding, tmp)
    write_json(truth_path(root, key), rendered.truth)
    details = {
        "output": str(video), "truth": str(truth_path(root, key)), "frames": len(rendered.frames),
        "fps": rendered.truth["fps"], "encoding": who.encoding, "identity": who.look.identity,
        "words": len(rendered.truth["words"]),
    }
    if grid_kind:
        words = [(w["word"], w["start"], w["end"]) for w in rendered.truth["words"]]
        try:
            segments = alignfile.from_word_times(words, grid.FPS, grid.FRAMES)
        except alignfile.AlignError as error:
            raise StageError(f"{key}: {error}") from None
        align = align_path(params, root, key)
        _remove_stale_alignments(params, root, key)
        write_text(align, alignfile.format_align(segments))
        details["align"] = str(align)
    return details
