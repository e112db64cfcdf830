import pytest

from lipflow import text
from lipflow.datasets import read_sentences


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("È in offerta, costa 10 euro.", "e in offerta costa dieci euro"),
        ("Purtroppo non lo so, però potresti chiedere all'autista.",
         "purtroppo non lo so pero potresti chiedere all autista"),
        ("Salve quanto costa quell' articolo?", "salve quanto costa quell articolo"),
        ("Prendiamo un caffè al bar?", "prendiamo un caffe al bar"),
        ("Sì, grazie e arrivederci.", "si grazie e arrivederci"),
        ("  Tutto\tbene,\n tu? ", "tutto bene tu"),
        ("l’uomo", "l uomo"),
        ("ventuno 21", "ventuno ventuno"),
    ],
)
def test_normalise_italian(sentence, expected):
    assert text.normalise(sentence, "ita") == expected


def test_normalise_spells_digits_in_the_sentence_language():
    assert text.normalise("bin blue at f 2 now", "eng") == "bin blue at f two now"


def test_longest_reference_sentence_is_54_characters():
    labels = [text.normalise(s, "ita") for s in read_sentences("builtin:italian").values()]
    assert max(len(label) for label in labels) == 54
    assert all(set(label) <= set(text.ALPHABET) for label in labels)


def test_unknown_language_is_a_clear_error():
    with pytest.raises(text.TextError, match="xxx"):
        text.normalise("10", "xxx")


def test_codec_round_trip_and_blank_zero():
    label = "all autista"
    indices = text.encode(label)
    assert text.BLANK not in indices
    assert min(indices) == 1 and max(indices) <= text.NUM_CLASSES - 1
    assert text.decode([0, *indices[:3], 0, *indices[3:]]) == label
    assert text.NUM_CLASSES == 28


def test_encode_refuses_unnormalised_labels():
    with pytest.raises(text.TextError):
        text.encode("Città")


def test_ctc_min_frames_counts_repeats():
    assert text.ctc_min_frames("abc") == 3
    assert text.ctc_min_frames("all") == 4
    assert text.ctc_min_frames("caffe macchiato") == 17


# Properties (hypothesis) for any text, not only the corpus sentences

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@given(ANY_TEXT, st.sampled_from(["ita", "eng"]))
def test_normalising_gives_lower_case_words_and_is_idempotent(sentence, language):
    label = text.normalise(sentence, language)
    assert set(label) <= set(text.ALPHABET)
    assert label == label.strip() and "  " not in label
    assert text.normalise(label, language) == label


@given(st.text(st.sampled_from(text.ALPHABET), max_size=60).map(lambda s: " ".join(s.split())))
def test_the_label_codec_round_trips_without_the_blank(label):
    indices = text.encode(label)
    assert text.BLANK not in indices
    assert text.decode(indices) == label
    assert text.decode([text.BLANK, *indices, text.BLANK]) == label
