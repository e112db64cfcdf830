"""One uploaded take becomes ``<root>/s<k>/<ID>-<initials>.<ext>`` plus a sidecar, or nothing.

Every check (initials, sentence ID, mime type, ffprobe decode with audio and video, the
container agreeing with the mime type) runs on a temporary copy outside the dataset, so a
refused take leaves the dataset folder exactly as it was. The extension comes from the
real container, never a fixed ``.mpg``: the original recorder's defect.
"""

from __future__ import annotations

import shutil
import threading
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from .. import media
from ..datasets import CLIP_NAME, discover
from ..errors import LipflowError, StageError
from ..files import atomic_path, file_hash, read_json, write_json
from ..grid import SPEAKER_DIR
from ..params import ParamsError

MIME_EXTENSIONS = {"video/webm": "webm", "video/mp4": "mp4"}
INITIALS_MAX_LENGTH = 16
REGISTRY_NAME = "speakers.json"
SIDECAR_SUFFIX = ".json"
PROBE_KEYS = (
    "container", "video_codec", "width", "height", "frames", "duration",
    "measured_fps", "avg_frame_rate", "audio_codec", "audio_sample_rate", "audio_channels",
)


class TakeRejected(LipflowError, ValueError):
    """A take the dataset must not receive; the message is shown to the speaker as is."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def check_initials(text: str) -> str:
    """The initials in NFC form if they are safe as part of a file name, else TakeRejected.

    Only letters (any script) and digits pass, so ``/``, ``\\``, ``..``, NUL, dots, dashes
    and spaces can never reach a path; NFC keeps one spelling of an accented letter.
    """
    initials = unicodedata.normalize("NFC", text or "")
    if not initials:
        raise TakeRejected("initials are required")
    if len(initials) > INITIALS_MAX_LENGTH:
        raise TakeRejected(f"initials are too long: {len(initials)} characters, at most {INITIALS_MAX_LENGTH}")
    refused = sorted({c for c in initials if not c.isalnum()})
    if refused:
        shown = " ".join(repr(c) for c in refused)
        raise TakeRejected(f"initials may contain only letters and digits; refused characters: {shown}")
    return initials


def extension_for(mime_type: str) -> str:
    base = (mime_type or "").split(";")[0].strip().lower()
    if base not in MIME_EXTENSIONS:
        accepted = ", ".join(MIME_EXTENSIONS)
        raise TakeRejected(f"mime type {base or '(none)'!r} is not accepted; send one of {accepted}", 415)
    return MIME_EXTENSIONS[base]


def check_video(path: Path, extension: str) -> dict:
    """The probe summary of a take that decodes, has audio and video, and is the container it claims."""
    if path.stat().st_size == 0:
        raise TakeRejected("the upload is empty")
    try:
        info = media.probe(path)
        media.require_audio_video(info)
    except StageError as error:
        raise TakeRejected(f"not a usable recording: {error}", 422) from None
    if extension not in info["container"].split(","):
        raise TakeRejected(f"the file is {info['container']!r}, not the {extension} its mime type claims", 422)
    return {key: info.get(key) for key in PROBE_KEYS}


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TakeStore:
    """The dataset folder as the recorder sees it: speakers by initials, and their takes."""

    def __init__(self, root: Path, sentences: dict[str, str], extensions: list[str]):
        missing = sorted(set(MIME_EXTENSIONS.values()) - {ext.lower() for ext in extensions})
        if missing:
            raise ParamsError(f"dataset.video_extensions: add {', '.join(missing)}, "
                              "or recorded takes are never discovered")
        self.root = Path(root)
        self.sentences = sentences
        self.extensions = extensions
        self._lock = threading.Lock()

    @property
    def registry_path(self) -> Path:
        return self.root / REGISTRY_NAME

    def _registry(self) -> dict[str, str]:
        return read_json(self.registry_path) if self.registry_path.is_file() else {}

    def _clips_by_initials(self) -> dict[str, list]:
        clips, _ = discover(self.root, self.extensions, self.sentences) if self.root.is_dir() else ([], [])
        found: dict[str, list] = {}
        for clip in clips:
            found.setdefault(CLIP_NAME.match(clip.name)["initials"], []).append(clip)
        return found

    def speaker_of(self, initials: str) -> str | None:
        """The registered folder, else the folder already holding clips with these initials."""
        registered = self._registry().get(initials)
        if registered:
            return registered
        clips = self._clips_by_initials().get(initials)
        return clips[0].speaker if clips else None

    def _next_speaker(self) -> str:
        taken = set(self._registry().values())
        if self.root.is_dir():
            taken |= {p.name for p in self.root.iterdir() if p.is_dir() and SPEAKER_DIR.match(p.name)}
        return f"s{max((int(name[1:]) for name in taken), default=0) + 1}"

    def _register(self, initials: str, speaker: str) -> None:
        registry = self._registry()
        if registry.get(initials) != speaker:
            write_json(self.registry_path, {**registry, initials: speaker})

    def progress(self, initials: str) -> dict:
        initials = check_initials(initials)
        speaker = self.speaker_of(initials)
        recorded = {clip.sentence_id for clip in self._clips_by_initials().get(initials, []) if clip.speaker == speaker}
        return {
            "initials": initials,
            "speaker": speaker,
            "total": len(self.sentences),
            "done": [sid for sid in self.sentences if sid in recorded],
            "missing": [sid for sid in self.sentences if sid not in recorded],
        }

    def _destination(self, speaker: str, stem: str, extension: str) -> Path:
        dest = self.root / speaker / f"{stem}.{extension}"
        if not dest.resolve().is_relative_to((self.root / speaker).resolve()):
            raise TakeRejected(f"{dest} would be outside the dataset folder")
        return dest

    def _earlier_take(self, speaker: str, stem: str) -> Path | None:
        """The take of this clip the recorder wrote before, in any container.

        A file the recorder did not write (no sidecar naming it) is never replaced: the take
        is refused instead, as overwriting it would lose a recording and two files with one
        stem would make a duplicate clip.
        """
        folder = self.root / speaker
        sidecar = folder / f"{stem}{SIDECAR_SUFFIX}"
        recorded = read_json(sidecar).get("file") if sidecar.is_file() else None
        existing = [folder / f"{stem}.{ext}" for ext in self.extensions if (folder / f"{stem}.{ext}").is_file()]
        foreign = [path for path in existing if path.name != recorded]
        if foreign:
            raise TakeRejected(
                f"{speaker}/{foreign[0].name} already exists and was not recorded here; move it away first", 409
            )
        return existing[0] if existing else None

    def store(self, upload: Path, initials: str, sentence_id: str, mime_type: str, client: dict) -> dict:
        """Validate ``upload`` (a temporary file) and move it into the dataset; return the sidecar.

        ``client`` is what the browser reported (user agent, requested and actual camera
        settings, timestamps, metadata); the server's own fields take precedence over it.
        """
        initials = check_initials(initials)
        if sentence_id not in self.sentences:
            raise TakeRejected(f"unknown sentence ID {sentence_id!r}; "
                               f"the sentence table has {', '.join(self.sentences)}")
        extension = extension_for(mime_type)
        probe = check_video(Path(upload), extension)
        stem = f"{sentence_id}-{initials}"
        with self._lock:
            speaker = self.speaker_of(initials) or self._next_speaker()
            dest = self._destination(speaker, stem, extension)
            earlier = self._earlier_take(speaker, stem)
            self._register(initials, speaker)
            sidecar = {
                **client,
                "clip": f"{speaker}/{stem}",
                "file": dest.name,
                "speaker": speaker,
                "initials": initials,
                "sentence_id": sentence_id,
                "sentence": self.sentences[sentence_id],
                "mime_type": mime_type,
                "size_bytes": Path(upload).stat().st_size,
                "sha256_16": file_hash(upload),
                "received_at": _utc_now(),
                "replaced_earlier_take": earlier is not None,
                "probe": probe,
            }
            with atomic_path(dest) as tmp:
                shutil.move(upload, tmp)
            write_json(self.root / speaker / f"{stem}{SIDECAR_SUFFIX}", sidecar)
            if earlier is not None and earlier != dest:
                earlier.unlink()
        return sidecar
