from itertools import pairwise

import numpy as np
import pytest

from lipflow import text
from lipflow.synth.speech import STOPS, SpeechError, Voice, speak, speak_sentence

VOICE = Voice("m3", 50, 50, 175)


def test_words_are_the_normalised_label_in_order():
    sentence = "Purtroppo non lo so, però potresti chiedere all'autista. 10"
    utterance, words = speak_sentence(sentence, VOICE)
    assert [w.word for w in words] == text.words(sentence)
    assert all(0 <= w.start < w.end <= utterance.duration for w in words)
    assert all(a.end <= b.start + 1e-9 for a, b in pairwise(words))


def test_phones_tile_the_utterance():
    utterance = speak("Buongiorno, io sono Mario.", VOICE)
    assert utterance.phones[0].start >= 0
    assert all(a.end == pytest.approx(b.start) for a, b in pairwise(utterance.phones))
    assert utterance.phones[-1].end == pytest.approx(utterance.duration)


def test_same_text_gives_same_samples_whatever_was_spoken_before():
    first = speak("Tutto bene, tu?", VOICE)
    speak("Salve quanto costa quell articolo?", Voice("f2", 70, 30, 200))
    again = speak("Tutto bene, tu?", VOICE)
    assert np.array_equal(first.samples, again.samples)
    assert first.phones == again.phones


def test_stops_start_at_their_silent_closure():
    utterance = speak("purtroppo", VOICE)
    stops = [p for p in utterance.phones if p.name in STOPS]
    closures = [utterance.samples[int(p.start * utterance.sample_rate):int((p.start + 0.02) * utterance.sample_rate)]
                for p in stops]
    loudest = np.abs(utterance.samples).max()
    assert any(np.abs(c).max() < 0.1 * loudest for c in closures)
    geminate = max(stops, key=lambda p: p.end - p.start)
    assert geminate.end - geminate.start > 0.1  # the double p of purtroppo holds the lips shut


def test_unknown_language_is_an_error():
    with pytest.raises(SpeechError, match="no espeak-ng voice"):
        speak("ciao", VOICE, "xxx")
