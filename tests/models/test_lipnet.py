import keras
import numpy as np
import pytest

from lipflow.models import Architecture, build, ctc_loss, load_model, output_frames
from lipflow.models.layers import VideoBatchNorm
from lipflow.models.lipnet import PAPER_VARIANTS
from lipflow.text import encode

PAPER_PARAMS = {"lipnet": 4.57e6, "lipnet256": 3.46e6, "lipnet128": 1.38e6}


def paper_architecture(variant: str) -> Architecture:
    filters, units = PAPER_VARIANTS[variant]
    return Architecture(filters, units, dropout=0.5, frames=100, height=50, width=100, channels=3)


@pytest.mark.parametrize("variant", sorted(PAPER_PARAMS))
def test_paper_variants_have_the_published_parameter_counts(variant):
    model = build(paper_architecture(variant))
    assert model.count_params() == pytest.approx(PAPER_PARAMS[variant], rel=0.005)
    assert model.input_shape == (None, 100, 50, 100, 3)
    assert model.output_shape == (None, 100, 28)


def test_architecture_from_params_takes_frames_and_channels_from_the_mouth_crops():
    params = {
        "model": {"variant": "lipnet128", "filters": [1, 2, 3], "gru_units": 7, "dropout": 0.2,
                  "input_height": 24, "input_width": 48, "precision": "float32"},
        "mouth": {"frames": 75, "channels": 1},
    }
    arch = Architecture.from_params(params)
    assert (arch.filters, arch.gru_units) == PAPER_VARIANTS["lipnet128"]
    assert (arch.frames, arch.height, arch.width, arch.channels) == (75, 24, 48, 1)
    params["model"]["variant"] = "small"
    assert (Architecture.from_params(params).filters, Architecture.from_params(params).gru_units) == ((1, 2, 3), 7)


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_model_resizes_and_normalises_raw_crops_itself_and_loads_without_custom_objects(tmp_path, precision):
    arch = Architecture((4, 8, 8), 8, dropout=0.1, frames=12, height=16, width=32, channels=3, precision=precision)
    model = build(arch, source_size=(24, 48), normalise=True)
    assert model.get_layer("conv1").compute_dtype == precision.removeprefix("mixed_")
    assert {w.dtype for w in model.trainable_weights} == {"float32"} and model.output.dtype == "float32"
    frames = np.random.default_rng(0).integers(0, 256, (3, 12, 24, 48, 3)).astype("float32")
    model.get_layer("normalise").adapt(frames)
    assert model.input_shape == (None, 12, 24, 48, 3)
    assert output_frames(model) == 12
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded(frames), model(frames))


def test_ctc_loss_treats_class_zero_as_the_blank():
    # A path spelling a, blank, b: likely for "ab" only if class 0 is the blank.
    path = [encode("a")[0], 0, encode("b")[0]]
    logits = np.full((1, 3, 28), -10.0, "float32")
    logits[0, np.arange(3), path] = 10.0
    labels = np.array([encode("ab")], "int32")
    likely = float(ctc_loss(labels, np.array([2], "int32"), logits)[0])
    unlikely = float(ctc_loss(np.array([encode("ba")], "int32"), np.array([2], "int32"), logits)[0])
    assert likely < 0.01 < 10 < unlikely


def test_video_batch_norm_matches_keras_batch_normalization():
    clips = np.random.default_rng(3).normal(3.0, 2.0, (4, 6, 5, 7, 8)).astype("float32")
    ours, keras_own = VideoBatchNorm(), keras.layers.BatchNormalization()
    for layer in (ours, keras_own):
        layer.build(clips.shape)
    np.testing.assert_allclose(ours(clips, training=True), keras_own(clips, training=True), atol=1e-5)
    np.testing.assert_allclose(ours.moving_mean.numpy(), keras_own.moving_mean.numpy(), atol=1e-6)
    # The fused kernel's variance is Bessel-corrected: n / (n - 1) over 4 x 6 x 5 x 7 values.
    np.testing.assert_allclose(ours.moving_variance.numpy(), keras_own.moving_variance.numpy(), rtol=1e-4)
    np.testing.assert_allclose(ours(clips, training=False), keras_own(clips, training=False), atol=1e-3)
