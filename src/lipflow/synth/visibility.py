"""What one frame of the embedded corpus shows: a per-frame classifier on mouth crops.

Real lips hide most of speech: p, b and m look the same, and only sequence context tells
them apart. A corpus meant to stand for real lips must hide the same things, so this module
renders the frames in the middle of chosen phonemes, crops the mouth, and measures how well
a logistic regression tells the phonemes apart on speakers it was not fitted on. Chance is
one over the number of phonemes (the classes are balanced by subsampling).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from . import articulation, corpus, visemes
from .speech import speak_sentence

CROP_SIZE = (50, 25)          # width, height: the model's input size
CROP_WIDTHS = (2.0, 1.2)      # crop box in mouth widths (width, height), around the mouth centre
HELD_OUT_SHARE = 0.3          # of the speakers per fold: each fold is scored by a model fitted on the others


@dataclass
class Frames:
    crops: np.ndarray         # N x (25 * 50) grey, 0..1
    labels: np.ndarray        # N phoneme names (the per-phoneme viseme of lipflow.synth.visemes)
    speakers: np.ndarray      # N speaker indices


def _crop(frame: np.ndarray, centre: tuple[float, float], width: float, noise: float,
          rng: np.random.Generator) -> np.ndarray:
    """The mouth box, with the synth stage's sensor noise, at the model's input size."""
    half_w, half_h = CROP_WIDTHS[0] * width / 2, CROP_WIDTHS[1] * width / 2
    x0, y0 = int(round(centre[0] - half_w)), int(round(centre[1] - half_h))
    patch = frame[y0:y0 + int(round(2 * half_h)), x0:x0 + int(round(2 * half_w))].astype(np.float32)
    patch = np.clip(patch + rng.normal(0, noise, patch.shape), 0, 255).astype(np.uint8)
    grey = cv2.cvtColor(cv2.resize(patch, CROP_SIZE, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return grey.astype(np.float32).ravel() / 255


def phoneme_frames(seed: int, settings: dict, language: str, sentences: dict[int, list[str]],
                   wanted: set[str]) -> Frames:
    """Crops of the frame nearest the middle of every phoneme of ``wanted`` (per-phoneme viseme
    names such as ``p``, ``b``, ``m``, ``a``), rendered as the synth stage renders them (speaker
    look, style, timing jitter, amplitude noise and sensor noise; no head motion, so the crop
    is the true mouth box). ``sentences`` maps a speaker index to the texts it says."""
    crops, labels, speakers = [], [], []
    for index, texts in sentences.items():
        who = corpus.speaker(seed, index, settings)
        base, drawn = corpus.prepared_face(who.look, settings["width"], settings["height"], settings["mouth"])
        asymmetry = articulation.speaker_style(seed, index).asymmetry
        mouth = corpus.where_drawn(drawn)
        times = (np.arange(int(round(settings["duration"] * float(Fraction(who.frame_rate))))) + 0.5) / float(
            Fraction(who.frame_rate))
        for text in texts:
            utterance, _ = speak_sentence(text, who.voice, language)
            rng = corpus.clip_rng(seed, index, text, corpus.ARTICULATION_STREAM)
            lead_in = settings["lead_in_min"]
            shapes = corpus.mouth_shapes(seed, settings, who, utterance.phones, lead_in, times, rng)
            for phone in utterance.phones:
                name = visemes.viseme(phone.name)
                if name not in wanted:
                    continue
                middle = int(np.argmin(np.abs(times - (phone.start + phone.end) / 2 - lead_in)))
                frame = base.copy()
                corpus.draw_shape(frame, drawn, shapes[middle], who.look.lip_bgr, asymmetry)
                crops.append(_crop(frame, mouth.centre, mouth.width, settings["noise"], rng))
                labels.append(name)
                speakers.append(index)
    return Frames(np.array(crops), np.array(labels), np.array(speakers))


def held_out_accuracy(frames: Frames, classes: list[str], seed: int) -> tuple[float, float, int]:
    """(accuracy, chance, frames scored) of telling ``classes`` apart on unseen speakers.

    The speakers fall into folds of about :data:`HELD_OUT_SHARE` each; a logistic regression
    fitted on the other folds scores each fold in turn. Every class is subsampled to the
    rarest one within each fold, so chance is one over the number of classes.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    chosen = np.isin(frames.labels, classes)
    speakers = rng.permutation(np.unique(frames.speakers))
    folds = np.array_split(speakers, max(2, int(round(1 / HELD_OUT_SHARE))))

    def balanced(mask: np.ndarray) -> np.ndarray:
        rows = [np.flatnonzero(mask & chosen & (frames.labels == c)) for c in classes]
        fewest = min(len(r) for r in rows)
        return np.concatenate([rng.choice(r, fewest, replace=False) for r in rows])

    right = scored = 0
    for fold in folds:
        test = np.isin(frames.speakers, fold)
        fit_rows, score_rows = balanced(~test), balanced(test)
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000))
        model.fit(frames.crops[fit_rows], frames.labels[fit_rows])
        right += int((model.predict(frames.crops[score_rows]) == frames.labels[score_rows]).sum())
        scored += len(score_rows)
    return right / scored, 1 / len(classes), scored
