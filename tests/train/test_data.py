import numpy as np
import pytest
import tensorflow as tf
import yaml

from lipflow import cli
from lipflow.train import data, setup


@pytest.fixture
def load(tiny):
    return lambda params=None: setup.load_data(params or tiny.params())


def test_an_empty_training_split_is_refused_before_training(tiny_project, tiny, load):
    tiny.write_split(tiny_project, [("s1/0-T0", "ab", "val")])
    with pytest.raises(data.TrainInputError, match="the train split is empty"):
        load()


def test_every_bad_clip_is_named_at_once(tiny_project, tiny, load):
    rng = np.random.default_rng(1)
    tiny.write_clip(tiny_project, "s1/0-T0", tiny.clip_frames("ab", rng)[:, :, :-1])
    tiny.write_clip(tiny_project, "s1/2-T2", tiny.clip_frames("ab", rng)[:-1])
    (tiny_project / "data/mouth/s1/4-T4.npz").unlink()
    with pytest.raises(data.TrainInputError) as error:
        load()
    message = str(error.value)
    assert message.startswith("3 problem(s)")
    assert f"s1/0-T0: frames array has shape ({tiny.frames}, {tiny.height}, {tiny.width - 1}, 3)" in message
    assert f"s1/2-T2: frames array has shape ({tiny.frames - 1}, {tiny.height}, {tiny.width}, 3)" in message
    assert "s1/4-T4: cannot read" in message


def test_a_label_longer_than_the_model_can_emit_is_refused(tiny_project, tiny, load):
    rows = [(f"s1/{i}-T{i}", "ab", "train") for i in range(0, 8, 2)] + [("s2/9-T9", "aaaaaaaaa", "val")]
    tiny.write_split(tiny_project, rows)
    tiny.write_clip(tiny_project, "s2/9-T9", tiny.clip_frames("ab", np.random.default_rng(2)))
    expected = f"s2/9-T9: label needs 17 output frames, the model emits {tiny.frames}"
    with pytest.raises(data.TrainInputError, match=expected):
        load()


def test_the_cli_reports_bad_input_and_exits_1(tiny_project, tiny, capsys):
    tiny.write_split(tiny_project, [("s1/0-T0", "ab", "train")])
    assert cli.main(["train"]) == 1
    assert "the val split is empty" in capsys.readouterr().err


def batches(dataset):
    return [tuple(t.numpy() for t in batch) for batch in dataset]


def test_an_epoch_is_a_function_of_its_seed(tiny_project, load):
    clips = load()
    first, again, other = batches(clips.train(7)), batches(clips.train(7)), batches(clips.train(8))
    assert sum(len(b[0]) for b in first) == 8
    for a, b in zip(first, again, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(first, other, strict=True))


def test_validation_is_neither_shuffled_nor_augmented(tiny_project, load):
    clips = load()
    frames = np.concatenate([b[0] for b in batches(clips.val())])
    expected = [np.load(tiny_project / f"data/mouth/{e.clip}.npz")["frames"] for e in clips.val_examples]
    np.testing.assert_array_equal(frames, np.stack(expected).astype("float32"))


def test_jitter_keeps_t_frames_in_order(tiny):
    augment = data.Augment(flip=0.0, delete=0.2, duplicate=0.2)
    for seed in range(20):
        indices = data.jitter_indices(tf.constant([seed, 0], tf.int64), tiny.frames, augment).numpy()
        assert len(indices) == tiny.frames
        assert np.all(np.diff(indices) >= 0)
    untouched = data.jitter_indices(tf.constant([0, 0], tf.int64), tiny.frames, data.Augment(0.0, 0.0, 0.0))
    np.testing.assert_array_equal(untouched, np.arange(tiny.frames))


def test_flip_mirrors_whole_clips(tiny_project, tiny, load):
    params = tiny.params(flip_probability=1.0, jitter_delete_probability=0.0, jitter_duplicate_probability=0.0)
    (tiny_project / "params.yaml").write_text(yaml.safe_dump(params))
    clips = load(params)
    by_label = {tuple(b): f for frames, labels, _ in batches(clips.train(3))
                for f, b in zip(frames, labels, strict=True)}
    originals = [np.load(tiny_project / f"data/mouth/{e.clip}.npz")["frames"] for e in clips.train_examples]
    flipped = [np.flip(o, axis=2).astype("float32") for o in originals]
    for frames in by_label.values():
        assert any(np.array_equal(frames, f) for f in flipped)


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="a GPU runs mixed precision")
def test_float16_without_a_gpu_is_refused_up_front(tiny_project, tiny, capsys):
    params = tiny.params()
    params["model"]["precision"] = "mixed_float16"
    (tiny_project / "params.yaml").write_text(yaml.safe_dump(params))
    assert cli.main(["train"]) == 2
    assert "model.precision: mixed_float16 needs a GPU" in capsys.readouterr().err
