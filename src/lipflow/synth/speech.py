"""Speech with exact word and phoneme timing from the espeak-ng library (ctypes).

The library reports, through its synth callback, every word and phoneme with the index of
the audio sample where it starts, so the timeline is exact rather than estimated. The
library keeps global state between utterances that shifts later timings by a few samples,
so every utterance is spoken in a freshly forked process that initialises the library
once: the same text and voice then give the same samples whatever was spoken before.
"""

from __future__ import annotations

import ctypes
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from .. import text as text_mod
from ..errors import LipflowError

LIBRARY = "libespeak-ng.so.1"
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_PHONEME = 0, 1, 7
PARAMETER_RATE, PARAMETER_PITCH, PARAMETER_RANGE = 1, 3, 4
RATE_MAXIMUM = 450
"""espeak-ng's documented fastest rate, in words per minute."""
PAUSE_PREFIX = "_"
STOPS = {"p", "b", "t", "d", "k", "g", "tS", "dZ", "ts", "dz"}
"""Plosives and affricates: espeak places their event at the release, after the silent closure."""
CLOSURE_WINDOW_S = 0.005
CLOSURE_SILENCE = 0.05
MAX_BURST_LEAD_S = 0.02
"""A closure is quieter than this fraction of the loudest window; it may end this long before the event."""

POSITION_SLACK = 1
"""espeak-ng reports word positions one character early after a sentence break inside the text."""

# ISO 639-3 (what params.yaml uses) -> espeak-ng voice names.
VOICES = {"ita": "it", "eng": "en", "fra": "fr", "deu": "de", "spa": "es", "por": "pt"}


class SpeechError(LipflowError):
    """espeak-ng could not speak a text."""


@dataclass(frozen=True)
class Voice:
    """Per-speaker voice: espeak-ng variant (``m3``, ``f2``...), pitch and range 0-100, rate in words/min."""

    variant: str
    pitch: int
    pitch_range: int
    rate: int


@dataclass(frozen=True)
class Word:
    text_position: int
    """0-based character offset in the spoken text, as espeak-ng reports it."""
    start: float
    end: float


@dataclass(frozen=True)
class Phone:
    name: str
    start: float
    end: float


@dataclass
class Utterance:
    samples: np.ndarray
    sample_rate: int
    words: list[Word]
    phones: list[Phone]

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """The process-wide espeak-ng instance."""

    def __init__(self):
        self.lib = ctypes.CDLL(LIBRARY)
        self.sample_rate = self.lib.espeak_Initialize(
            AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INITIALIZE_PHONEME_EVENTS | INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise SpeechError("espeak-ng failed to initialise")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int, str]] = []
        self.callback = _CALLBACK(self._collect)
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type in (EVENT_WORD, EVENT_PHONEME):
                name = bytes(event.id).split(b"\0")[0].decode("utf-8", "replace")
                self.events.append((event.type, event.text_position, event.sample, name))
            index += 1
        return 0

    def synthesise(self, text: str, voice_name: str, voice: Voice):
        self.chunks, self.events = [], []
        if self.lib.espeak_SetVoiceByName(f"{voice_name}+{voice.variant}".encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice {voice_name}+{voice.variant}")
        for parameter, value in ((PARAMETER_RATE, voice.rate), (PARAMETER_PITCH, voice.pitch),
                                 (PARAMETER_RANGE, voice.pitch_range)):
            self.lib.espeak_SetParameter(parameter, value, 0)
        data = text.encode("utf-8")
        if self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, CHARS_UTF8, None, None) != 0:
            raise SpeechError(f"espeak-ng failed on {text!r}")
        self.lib.espeak_Synchronize()
        samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return samples.astype(np.int16), list(self.events)


_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def speak(text: str, voice: Voice, language: str = "ita") -> Utterance:
    """Speak ``text``; words and phones carry start and end in seconds from the first sample."""
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as fresh_process:
        return fresh_process.submit(_speak_here, text, voice, language).result()


def _speak_here(text: str, voice: Voice, language: str) -> Utterance:
    try:
        voice_name = VOICES[language]
    except KeyError:
        raise SpeechError(f"no espeak-ng voice for language {language!r}; known: {', '.join(sorted(VOICES))}") from None
    engine = _get_engine()
    samples, events = engine.synthesise(text, voice_name, voice)
    rate = engine.sample_rate
    phones, owners, word_positions = [], [], []
    for kind, position, sample, name in events:
        if kind == EVENT_WORD:
            word_positions.append(position - 1)
        elif kind == EVENT_PHONEME:
            phones.append(Phone(name, sample, sample))
            owners.append(len(word_positions) - 1)
    ends = [p.start for p in phones[1:]] + [len(samples)]
    phones = _with_closures([Phone(p.name, p.start, end) for p, end in zip(phones, ends, strict=True)], samples, rate)
    words = []
    for index, position in enumerate(word_positions):
        own = [p for p, owner in zip(phones, owners, strict=True)
               if owner == index and not p.name.startswith(PAUSE_PREFIX)]
        if own:
            words.append(Word(position, own[0].start / rate, own[-1].end / rate))
    return Utterance(samples, rate, words, [Phone(p.name, p.start / rate, p.end / rate) for p in phones])


def _with_closures(phones: list[Phone], samples: np.ndarray, rate: int) -> list[Phone]:
    """Move each stop's start back to the start of its silent closure (times in samples).

    espeak-ng reports a plosive at its release; the lips close (and the audio falls silent)
    earlier, during what the events attribute to the previous phone.
    """
    window = max(1, int(CLOSURE_WINDOW_S * rate))
    energy = np.sqrt(np.convolve(samples.astype(np.float64) ** 2, np.ones(window) / window, mode="same"))
    max_burst = int(MAX_BURST_LEAD_S * rate)
    quiet = energy < CLOSURE_SILENCE * (energy.max() if len(energy) else 0.0)
    result = list(phones)
    for index in range(1, len(result)):
        phone, previous = result[index], result[index - 1]
        if phone.name.rstrip(":") not in STOPS or previous.name.startswith(PAUSE_PREFIX):
            continue
        release = phone.start
        while release - 1 > previous.start and not quiet[release - 1] and phone.start - release < max_burst:
            release -= 1
        start = release
        while start - 1 > previous.start and quiet[start - 1]:
            start -= 1
        if start < phone.start:
            result[index - 1] = Phone(previous.name, previous.start, start)
            result[index] = Phone(phone.name, start, phone.end)
    return result


@dataclass(frozen=True)
class TimedWord:
    word: str
    """The normalised word (:func:`lipflow.text.words`), as labels spell it."""
    start: float
    end: float


def speak_sentence(sentence: str, voice: Voice, language: str = "ita") -> tuple[Utterance, list[TimedWord]]:
    """Speak a sentence and time each word of its normalised label.

    The spoken text keeps accents and punctuation (they drive pronunciation and pauses) but
    splits at apostrophes as the normaliser does, so every normalised word is one token.
    """
    spoken = sentence.translate({ord(c): " " for c in text_mod.APOSTROPHES})
    tokens = []
    for match in re.finditer(r"\S+", spoken):
        token_words = text_mod.words(match.group(), language)
        if len(token_words) > 1:
            raise SpeechError(f"{match.group()!r} in {sentence!r} is spoken as one word but labelled as {token_words}")
        if token_words:
            tokens.append((match.start(), match.end(), token_words[0]))
    expected = text_mod.words(sentence, language)
    if [word for _, _, word in tokens] != expected:
        raise SpeechError(f"cannot match the spoken words of {sentence!r} to its label {expected}")
    utterance = speak(spoken, voice, language)
    token_of = [max((i for i, (start, _, _) in enumerate(tokens) if start <= w.text_position + POSITION_SLACK),
                    default=None)
                for w in utterance.words]
    timed = []
    for index, (_, _, word) in enumerate(tokens):
        own = [w for w, token in zip(utterance.words, token_of, strict=True) if token == index]
        if not own:
            raise SpeechError(f"espeak-ng did not speak {word!r} in {sentence!r}")
        timed.append(TimedWord(word, min(w.start for w in own), max(w.end for w in own)))
    return utterance, timed
