"""One video of any container and frame rate -> the sentence read from the speaker's lips.

It runs the pipeline's own code with the pipeline's parameters: the crops of
:mod:`lipflow.vision.any_video` and the evaluate stage's batching and decoders, so a
prediction sees exactly what evaluation saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import layout
from .errors import StageError
from .project import Project
from .vision import any_video, sheet
from .vision import mouths as vision_mouths


@dataclass
class Prediction:
    sentences: dict[str, str]
    """Decoder name -> sentence (raw decoders and, when ``evaluate.snap``, the snapped one)."""
    mouths: vision_mouths.Mouths


def predict(project: Project, video: Path, model_path: Path) -> Prediction:
    """Raises :class:`StageError` with a one-line reason (no face, no video, wrong shape)."""
    model_path = Path(model_path)
    if not model_path.is_file():
        raise StageError(f"{model_path}: model not found (train one, or pass --model)")
    mouths = any_video.mouths_of(Path(video), project.params)
    from . import models  # TensorFlow loads only once the video has given a mouth
    from .evaluate import run as evaluate_run

    model = models.load_model(model_path)
    if not evaluate_run.fits(mouths.frames.shape, model):
        raise StageError(f"mouth crops of shape {mouths.frames.shape} do not fit the model input "
                         f"{model.input_shape[1:]}: params.yaml mouth differs from the model's training")
    settings = project.params["evaluate"]
    words = training_words(project) if settings["snap"] else None
    decoded = evaluate_run.transcribe(model, [mouths.frames], settings, words)
    return Prediction({decoder: sentences[0] for decoder, sentences in decoded.items()}, mouths)


def training_words(project: Project) -> tuple[str, ...] | None:
    """The snap vocabulary evaluation uses (the training labels' words), or None without a split
    table: then the snapped decoder is not reported, rather than snapping to words never trained on."""
    from .evaluate import run as evaluate_run

    if not layout.SPLIT_TABLE.is_file():
        return None
    return evaluate_run.snap_words(evaluate_run.read_split(layout.SPLIT_TABLE), project.language)


def write_preview(prediction: Prediction, dest: Path, columns: int) -> Path:
    """Contact sheet of the crops the model read (the mouth stage's preview layout)."""
    return sheet.write_png(dest, sheet.contact_sheet(prediction.mouths.arrays(), columns))
