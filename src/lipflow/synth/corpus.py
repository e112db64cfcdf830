"""Speakers, their recording devices and the rendering of one clip with its truth.

Every speaker's settings come from (seed, speaker index) alone, and every clip's own
randomness from (seed, speaker index, sentence ID), so any clip can be made on its own
and comes out the same whatever else is generated. A GRID-like speaker (:func:`grid_speaker`)
is the same voice and face recorded as GRID was: 25 fps MPEG-1 with MP2 audio, 3 s a clip;
:func:`drawn_sentences` draws the sentences each one says when not all.
"""

from __future__ import annotations

import hashlib
import os
import string
import tempfile
import wave
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .. import grid, media
from ..errors import LipflowError
from ..files import read_json, write_json
from . import articulation, face, lips, visemes
from .speech import PAUSE_PREFIX, RATE_MAXIMUM, Voice, speak_sentence


@dataclass(frozen=True)
class Encoding:
    """One recorder's output: container, codecs and their settings (always under ``.mpg``)."""

    container: str
    video_codec: str
    video_options: tuple[tuple[str, object], ...]
    audio_codec: str
    audio_sample_rate: int


ENCODINGS = {
    # Negative cpu-used: libvpx's VP8 realtime mode with a positive value picks its speed from
    # the time frames take to encode, so the same frames gave other bytes on a busy machine.
    "webm-vp8": Encoding("webm", "libvpx", (("deadline", "realtime"), ("cpu-used", -8), ("crf", 6), ("b:v", "3M")),
                         "libopus", 48000),
    "webm-vp9": Encoding("webm", "libvpx-vp9", (("deadline", "realtime"), ("cpu-used", 8), ("crf", 20), ("b:v", 0),
                                                 ("row-mt", 0)), "libopus", 48000),
    "mp4-h264": Encoding("mp4", "libx264", (("preset", "ultrafast"), ("crf", 20)), "aac", 44100),
    "mpeg1": Encoding("mpeg", "mpeg1video", (("q:v", 4),), "mp2", 44100),
}
BROWSER_ENCODINGS = ("mp4-h264", "webm-vp8", "webm-vp9")
"""What the original corpus's browsers recorded; each Italian speaker gets one of these."""
GRID_ENCODING = "mpeg1"
"""GRID's own files: an MPEG-1 program stream (MPEG-1 video, MP2 audio)."""
GRID_FRAME_RATE = str(grid.FPS)
GRID_DURATION = grid.FRAMES / grid.FPS
SENTENCE_STREAM = 2               # the random stream that draws the sentences a speaker says
FRAME_RATES = ("24", "25", "30000/1001", "30")
"""Frame rates browsers recorded the original corpus at."""
VOICE_VARIANTS = tuple(f"m{i}" for i in range(1, 8)) + tuple(f"f{i}" for i in range(1, 6))
PITCH, PITCH_RANGE = (30, 70), (30, 80)
FACE_SIZE = (180, 215)            # pixels, the side of the face photo in the frame
FACE_OFFSET = (25, 12)            # pixels, most x and y shift of the face from the centre
TINT = (0.75, 1.15)               # per-channel gain range on the photo
LIGHT_GRADIENT = 0.15             # most left-to-right lighting change, as a gain
LIP_BGR = ((70, 60, 140), (120, 110, 200))   # lowest and highest lip colour, per channel
BACKGROUND = (40, 200)            # grey-level range of each background channel
HEAD_SWAY_HZ = (0.15, 0.6)        # frequency range of the head drift
HEAD_TILT_DEGREES_PER_PX = 0.3    # the head tilts with its sideways drift
NOISE_SHIFT = 32
"""Each frame's noise is one clip-wide field shifted by up to this many pixels: cheap, and new per frame."""
LOOK_ATTEMPTS = 8                 # compositions tried before a speaker's face is given up
CHECK_VISEMES = ("rest", "a", "u", "i")
CHECK_CLASSES = ("rest", "A", "U", "I")
WIDEST_STYLE = articulation.Style(articulation.AMPLITUDE[1], articulation.WIDTH_GAIN[1], articulation.ASYMMETRY[1],
                                  1.0, articulation.TEETH[1])
"""The furthest any speaker moves: a realistic face is checked at these extremes."""
REALISTIC = "realistic"
ARTICULATION_STREAM = 4           # a clip's own stream for timing jitter and amplitude noise
INITIALS_STREAM = 1               # a random stream of its own, so initials cost no face detection


class SynthError(LipflowError):
    """A clip cannot be made; the message says why."""


@dataclass(frozen=True)
class Speaker:
    index: int
    initials: str
    voice: Voice
    look: face.Look
    frame_rate: str
    encoding: str

    def to_json(self) -> dict:
        return {
            "index": self.index, "initials": self.initials, "voice": asdict(self.voice),
            "look": asdict(self.look), "frame_rate": self.frame_rate, "encoding": self.encoding,
        }


def initials(seed: int, index: int) -> str:
    rng = np.random.default_rng([seed, index, INITIALS_STREAM])
    return "".join(rng.choice(list(string.ascii_uppercase), 2))


def _identity(seed: int, index: int) -> str:
    """A face photo no other speaker of this seed has."""
    if not 1 <= index <= len(face.IDENTITIES):
        raise SynthError(f"speaker {index}: there are {len(face.IDENTITIES)} face photos, one per speaker")
    order = np.random.default_rng([seed]).permutation(len(face.IDENTITIES))
    return face.IDENTITIES[order[index - 1]]


def _uniform(rng, bounds) -> float:
    return float(rng.uniform(*bounds))


def _look(rng, identity: str) -> face.Look:
    return face.Look(
        identity=identity,
        face_size=int(rng.integers(FACE_SIZE[0], FACE_SIZE[1] + 1)),
        offset_x=int(rng.integers(-FACE_OFFSET[0], FACE_OFFSET[0] + 1)),
        offset_y=int(rng.integers(-FACE_OFFSET[1], FACE_OFFSET[1] + 1)),
        tint_bgr=tuple(round(_uniform(rng, TINT), 3) for _ in range(3)),
        light_gradient=round(_uniform(rng, (-LIGHT_GRADIENT, LIGHT_GRADIENT)), 3),
        background_bgr=tuple(int(v) for v in rng.integers(BACKGROUND[0], BACKGROUND[1], 3)),
        lip_bgr=tuple(int(rng.integers(lo, hi)) for lo, hi in zip(*LIP_BGR, strict=True)),
    )


def speaker(seed: int, index: int, settings: dict) -> Speaker:
    """Speaker ``index`` (1-based): voice, face look and device, from the seed alone."""
    rng = np.random.default_rng([seed, index])
    voice = Voice(
        variant=str(rng.choice(VOICE_VARIANTS)),
        pitch=int(rng.integers(PITCH[0], PITCH[1] + 1)),
        pitch_range=int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
        rate=int(rng.integers(settings["speech_rate"][0], settings["speech_rate"][1] + 1)),
    )
    frame_rate = str(rng.choice(FRAME_RATES))
    encoding = str(rng.choice(BROWSER_ENCODINGS))
    identity = _identity(seed, index)
    for _ in range(LOOK_ATTEMPTS):
        look = _look(rng, identity)
        try:
            prepared_face(look, settings["width"], settings["height"], settings["mouth"])
        except face.FaceError:
            continue
        return Speaker(index, initials(seed, index), voice, look, frame_rate, encoding)
    raise SynthError(f"speaker {index}: dlib finds no face in {LOOK_ATTEMPTS} compositions of {identity}")


def grid_speaker(seed: int, index: int, settings: dict) -> Speaker:
    """Speaker ``index`` recorded as GRID was: same voice and look, 25 fps MPEG-1 (GRID's camera)."""
    return replace(speaker(seed, index, settings), frame_rate=GRID_FRAME_RATE, encoding=GRID_ENCODING)


def grid_settings(settings: dict) -> dict:
    """The synth settings for a GRID-like clip: ``duration`` is GRID's 3 s whatever params say."""
    return {**settings, "duration": GRID_DURATION}


def drawn_sentences(seed: int, index: int, ids: list[str], count: int) -> list[str]:
    """The ``count`` distinct sentence IDs of ``ids`` speaker ``index`` says, from (seed, index) alone, sorted."""
    ordered = sorted(ids)
    if not 1 <= count <= len(ordered):
        raise SynthError(f"a speaker can say 1 to {len(ordered)} different sentences, not {count}")
    rng = np.random.default_rng([seed, index, SENTENCE_STREAM])
    return sorted(ordered[i] for i in rng.choice(len(ordered), count, replace=False))


@lru_cache(maxsize=8)
def prepared_face(look: face.Look, width: int, height: int, mouth_mode: str) -> tuple[np.ndarray, object]:
    """The still frame to draw on and the mouth to draw: for the cartoon mouth, the still with
    its own mouth erased and where the drawn one goes; for the realistic one, the still and
    its own lips (:class:`lipflow.synth.lips.Lips`)."""
    still = face.compose(look, width, height)
    points = _checked_landmarks(look.identity, look.lip_bgr, still, mouth_mode)
    if mouth_mode == REALISTIC:
        return still, lips.lips_of(still, points)
    return face.erase_mouth(still, points), face.mouth_of(points)


def _checks(still: np.ndarray, points: np.ndarray, lip_bgr: tuple[int, int, int], mouth_mode: str):
    """(pose name, frame) at the extremes the mouth reaches in ``mouth_mode``."""
    if mouth_mode == REALISTIC:
        own = lips.lips_of(still, points)
        for name in CHECK_CLASSES:
            frame = still.copy()
            shape = articulation.styled(articulation.class_pose(name), WIDEST_STYLE, 1.0)
            lips.draw(frame, own, shape, WIDEST_STYLE.asymmetry)
            yield name, frame
        return
    base, mouth = face.erase_mouth(still, points), face.mouth_of(points)
    for name in CHECK_VISEMES:
        frame = base.copy()
        face.draw_mouth(frame, mouth, visemes.pose(name), lip_bgr)
        yield name, frame


def face_cache_dir() -> Path:
    """Where checked landmarks of composed stills are kept between processes: Snakemake runs
    one process per clip, and loading dlib to check the same speaker's photo again costs
    more than half of a clip. ``$LIPFLOW_CACHE``, else the user's cache folder."""
    root = os.environ.get("LIPFLOW_CACHE") or Path(os.environ.get("XDG_CACHE_HOME")
                                                   or Path.home() / ".cache") / "lipflow"
    return Path(root) / "faces"


def _checked_landmarks(identity: str, lip_bgr: tuple[int, int, int], still: np.ndarray, mouth_mode: str) -> np.ndarray:
    """The still's 68 landmarks; refused unless dlib finds the face clearly (:data:`face.MIN_FACE_SCORE`)
    with the mouth closed, open, rounded and spread, so that no frame of the clip loses it.

    Remembered under a hash of the pixels, the lip colour, the mouth mode and the checking
    code, so a changed photo or a changed check is never answered from the cache.
    """
    digest = hashlib.sha256(still.tobytes() + repr((still.shape, lip_bgr, mouth_mode)).encode())
    for module in (face, visemes, articulation, lips):
        digest.update(Path(module.__file__).read_bytes())
    cached = face_cache_dir() / f"{digest.hexdigest()[:24]}.json"
    if cached.is_file():
        verdict = read_json(cached)
        if "refused" in verdict:
            raise face.FaceError(verdict["refused"])
        return np.array(verdict["landmarks"], np.float32)
    try:
        points = face.landmarks(still)
        for name, frame in _checks(still, points, lip_bgr, mouth_mode):
            score = face.face_score(frame)
            if score < face.MIN_FACE_SCORE:
                raise face.FaceError(f"{identity}: face score {score:.2f} with the mouth at {name!r}")
    except face.FaceError as error:
        write_json(cached, {"refused": str(error)})
        raise
    write_json(cached, {"landmarks": points.tolist()})
    return points


def clip_rng(seed: int, speaker_index: int, sentence_id: str, *stream: int) -> np.random.Generator:
    sentence = int(hashlib.sha256(sentence_id.encode()).hexdigest()[:8], 16)
    return np.random.default_rng([seed, speaker_index, sentence, *stream])


def _fitted_speech(sentence: str, voice: Voice, language: str, room: float):
    """Speak, raising the rate (up to espeak-ng's fastest) until the speech fits in ``room`` seconds."""
    while True:
        utterance, words = speak_sentence(sentence, voice, language)
        if utterance.duration <= room:
            return utterance, words, voice
        if voice.rate >= RATE_MAXIMUM:
            raise SynthError(f"{sentence!r} does not fit in {room:.2f} s even at {voice.rate} words/min")
        faster = min(RATE_MAXIMUM, int(np.ceil(voice.rate * utterance.duration / room)) + 1)
        voice = Voice(voice.variant, voice.pitch, voice.pitch_range, faster)


def mouth_shapes(seed: int, settings: dict, who: Speaker, phones: list, lead_in: float, times: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """The mouth track at ``times``: MPEG-4 class targets with the speaker's style and this utterance's
    variation (drawn from ``rng``) for the realistic mouth, the per-phoneme cartoon targets otherwise."""
    if settings["mouth"] == REALISTIC:
        style = articulation.speaker_style(seed, who.index)
        targets = articulation.realistic_targets(phones, style, rng, settings["timing_jitter"],
                                                 settings["amplitude_noise"])
        return visemes.shape_track(targets, lead_in, times, settings["coarticulation"] * style.speed)
    return visemes.shape_track(visemes.cartoon_targets(phones), lead_in, times, settings["coarticulation"])


def where_drawn(drawn) -> face.Mouth:
    """The photo's mouth of what :func:`prepared_face` returned for either mouth."""
    return drawn.mouth if isinstance(drawn, lips.Lips) else drawn


def draw_shape(frame: np.ndarray, drawn, shape: np.ndarray, lip_bgr: tuple[int, int, int], asymmetry: float) -> None:
    """Pose the mouth :func:`prepared_face` returned, in place: the photo's own lips warped, or the cartoon."""
    if isinstance(drawn, lips.Lips):
        lips.draw(frame, drawn, shape, asymmetry)
    else:
        face.draw_mouth(frame, drawn, shape, lip_bgr)


@dataclass
class Rendered:
    frames: np.ndarray       # T x H x W x 3 uint8 BGR
    audio: np.ndarray        # int16 mono
    sample_rate: int
    truth: dict


def render(seed: int, settings: dict, language: str, who: Speaker, sentence_id: str, sentence: str) -> Rendered:
    """Frames, audio and truth of one clip (nothing written)."""
    rng = clip_rng(seed, who.index, sentence_id)
    duration = settings["duration"]
    room = duration - 2 * settings["lead_in_min"]
    utterance, words, voice = _fitted_speech(sentence, who.voice, language, room)
    latest = min(settings["lead_in_max"], duration - settings["lead_in_min"] - utterance.duration)
    lead_in = round(_uniform(rng, (settings["lead_in_min"], latest)), 3)

    fps = float(Fraction(who.frame_rate))
    count = int(round(duration * fps))
    times = (np.arange(count) + 0.5) / fps
    realistic = settings["mouth"] == REALISTIC
    style = articulation.speaker_style(seed, who.index)
    shapes = mouth_shapes(seed, settings, who, utterance.phones, lead_in, times,
                          clip_rng(seed, who.index, sentence_id, ARTICULATION_STREAM))
    base, drawn = prepared_face(who.look, settings["width"], settings["height"], settings["mouth"])
    centre = where_drawn(drawn).centre
    frames = np.empty((count, settings["height"], settings["width"], 3), np.uint8)
    sway = rng.uniform(*HEAD_SWAY_HZ, 2)
    phase = rng.uniform(0, 2 * np.pi, 2)
    field_shape = (settings["height"] + NOISE_SHIFT, settings["width"] + NOISE_SHIFT, 3)
    noise_field = np.round(rng.standard_normal(field_shape, dtype=np.float32) * settings["noise"])
    brighter = np.clip(noise_field, 0, 255).astype(np.uint8)
    darker = np.clip(-noise_field, 0, 255).astype(np.uint8)
    for index, (t, shape) in enumerate(zip(times, shapes, strict=True)):
        frame = base.copy()
        draw_shape(frame, drawn, shape, who.look.lip_bgr, style.asymmetry)
        dx = settings["head_motion"] * np.sin(2 * np.pi * sway[0] * t + phase[0])
        dy = settings["head_motion"] / 2 * np.sin(2 * np.pi * sway[1] * t + phase[1])
        motion = cv2.getRotationMatrix2D(centre, HEAD_TILT_DEGREES_PER_PX * dx, 1.0)
        motion[:, 2] += (dx, dy)
        frame = cv2.warpAffine(frame, motion, (settings["width"], settings["height"]), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        dy_noise, dx_noise = rng.integers(0, NOISE_SHIFT + 1, 2)
        window = (slice(dy_noise, dy_noise + settings["height"]), slice(dx_noise, dx_noise + settings["width"]))
        cv2.subtract(cv2.add(frame, brighter[window]), darker[window], dst=frames[index])

    total = int(round(duration * utterance.sample_rate))
    start = int(round(lead_in * utterance.sample_rate))
    audio = np.zeros(total, np.int16)
    audio[start:start + len(utterance.samples)] = utterance.samples[:total - start]

    def seconds(t: float) -> float:
        return round(t + lead_in, 6)

    truth = {
        "sentence": sentence,
        "language": language,
        "fps": round(fps, 6),
        "duration": duration,
        "lead_in": lead_in,
        "words": [{"word": w.word, "start": seconds(w.start), "end": seconds(w.end)} for w in words],
        "phonemes": [
            {"phoneme": p.name, "viseme": visemes.viseme(p.name), "start": seconds(p.start), "end": seconds(p.end),
             **({"class": articulation.class_of(p.name)} if realistic else {})}
            for p in utterance.phones if not p.name.startswith(PAUSE_PREFIX) and p.end > p.start
        ],
        "speaker": {**who.to_json(), "voice": {**asdict(voice), "base_rate": who.voice.rate},
                    **({"style": asdict(style)} if realistic else {})},
    }
    return Rendered(frames, audio, utterance.sample_rate, truth)


def encode(rendered: Rendered, frame_rate: str, encoding: str, dest: Path) -> None:
    """Write the clip as the speaker's device would: ``dest`` gets that container whatever its name."""
    spec = ENCODINGS[encoding]
    with tempfile.TemporaryDirectory(prefix="lipflow-synth-") as folder:
        wav = Path(folder) / "speech.wav"
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rendered.sample_rate)
            out.writeframes(rendered.audio.tobytes())
        media.encode_frames(
            rendered.frames, frame_rate, wav, dest, spec.container, spec.video_codec, dict(spec.video_options),
            spec.audio_codec, spec.audio_sample_rate,
        )
