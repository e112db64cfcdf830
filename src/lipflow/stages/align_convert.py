"""Stage 4: the clip's GRID-style .align (frame x 1000, begin end word).

From aeneas JSON for recordings aligned here (rounded, contiguous, covering the clip), or,
for the GRID kinds, the corpus's own .align file: read from the folder that really holds
the speaker's alignments (misplaced folders are remapped), and refused unless its words are
the sentence the clip's name spells and it fits in the clip.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import alignfile, grid
from ..datasets import Clip
from ..files import read_json, write_text
from ..layout import artefact, code_hash, file_hash, stage_dir
from ..params import fingerprint, is_grid
from ..pipeline import STAGES
from ..project import Project
from ..records import Record, StageError, record_path, run_clip
from . import ClipStage, upstream
from . import align as align_stage
from . import fps as fps_stage

NAME = "align_convert"


def align_path(clip_key: str) -> Path:
    return artefact(NAME, clip_key, ".align")


@lru_cache(maxsize=1)
def _filed_alignments(root: Path) -> tuple[dict[str, Path], dict[str, set[str]]]:
    """Every alignment folder under a GRID root by the speaker it is filed under, and its names."""
    speakers = sorted({p.name for parent in (root, root / "align", root / "alignments") if parent.is_dir()
                       for p in parent.iterdir() if grid.SPEAKER_DIR.match(p.name)})
    folders = grid.align_folders(root, speakers)
    return folders, {s: {p.stem for p in f.glob(f"*{grid.ALIGN_SUFFIX}")} for s, f in folders.items()}


@lru_cache(maxsize=64)
def _grid_source(root: Path, speaker: str) -> grid.AlignmentSource:
    """Cached per process: a DVC run resolves each speaker once, not once per clip."""
    names = {p.stem for p in (root / speaker).rglob("*")
             if p.suffix != grid.ALIGN_SUFFIX and grid.is_name(p.stem) and p.is_file()}
    folders, filed = _filed_alignments(root)
    return grid.alignment_sources({speaker: names}, filed, folders)[speaker]


def shipped_alignment(project: Project, clip: Clip) -> tuple[Path, grid.AlignmentSource]:
    """Where a GRID clip's .align file is, its speaker's folder remapped when misplaced."""
    source = _grid_source(project.root, clip.speaker)
    if source.folder is None:
        looked = ", ".join(map(str, grid.align_folder_candidates(project.root, clip.speaker)))
        raise StageError(f"{source.describe()} (looked in {looked} and every other speaker's folder)")
    path = source.folder / f"{clip.name}{grid.ALIGN_SUFFIX}"
    if not path.is_file():
        raise StageError(f"no {path.name} in {path.parent}, the folder that holds {source.describe()}")
    return path, source


def checked_segments(path: Path, name: str, frames: int) -> list[alignfile.Segment]:
    """A shipped alignment, refused unless it says the sentence ``name`` spells within ``frames``."""
    try:
        segments = alignfile.read_align(path)
    except alignfile.AlignError as error:
        raise StageError(f"{path}: {error}") from None
    spoken, expected = alignfile.spoken_words(segments), grid.words(name)
    if spoken != expected:
        raise StageError(f"{path} says {' '.join(spoken)!r}, but the name {name} spells {' '.join(expected)!r}")
    last = max(s.end for s in segments) / alignfile.FRAME_UNIT
    if last > frames + 1:
        raise StageError(f"{path} ends at frame {last:g}, after the clip's {frames} frames")
    return segments


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    fps = project.params["fps"]["fps"]
    dest = align_path(clip.key)
    grid_kind = is_grid(project.params)
    earlier = upstream(clip.key, fps_stage.NAME) if grid_kind else upstream(clip.key, fps_stage.NAME, align_stage.NAME)
    shipped, source, located = None, None, []
    if grid_kind:
        try:
            shipped, source = shipped_alignment(project, clip)
            located = [str(shipped), file_hash(shipped)]
        except StageError as error:
            located = [str(error)]

    def work() -> dict:
        frames = earlier[0].details["frames"]
        where = {}
        if grid_kind:
            if shipped is None:
                raise StageError(located[0])
            segments = checked_segments(shipped, clip.name, frames)
            where = {"source": str(shipped), "filed_under": source.filed_under, "remapped": source.remapped}
        else:
            try:
                segments = alignfile.from_aeneas(read_json(align_stage.json_path(clip.key)), fps, frames)
            except alignfile.AlignError as error:
                raise StageError(str(error)) from None
        write_text(dest, alignfile.format_align(segments))
        return {"output": str(dest), "words": len(alignfile.spoken_words(segments)), "frames": frames, **where}

    key = fingerprint(fps, project.params["dataset"]["kind"], located, [r.fingerprint for r in earlier],
                      code_hash(*STAGES[NAME].loaded_modules()))
    return run_clip(NAME, clip.key, record_path(stage_dir(NAME), clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
