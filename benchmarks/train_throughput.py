"""Training throughput: lipflow's input pipeline and compiled step vs the original style.

Both train the same architecture at the same batch size on the same synthetic clips:

* lipflow: per-clip ``.npz`` arrays through ``lipflow.train.data`` (parallel reads, in-memory
  cache, prefetch) into ``CTCTask``'s ``tf.function`` step, as ``lipflow train`` runs them;
* original style: a Python generator reading one PNG per frame into float64 arrays, fed
  to Keras ``fit`` with the CTC loss, the model built from Keras' own layers (how the
  LipNet ports trained; lipflow's fused video BatchNorm swapped back for Keras' own).

lipflow runs twice: in float32 like the original, and with ``model.precision:
mixed_bfloat16`` (bfloat16 layers, float32 weights and logits), which CPUs with AVX512-BF16
or AMX execute natively. Each rate is the batch size over the median step time (the machine
is shared: a median resists the steps another process slowed down). The achieved FLOP rate
(training FLOPs per sample, taken as 3x the analytic forward count, times samples/s) is
compared with a 2048x2048 matmul of the same precision measured in the same run.
Prints a table, then one JSON line. Run from the repository root:

    python benchmarks/train_throughput.py --variant lipnet --batch 16 --steps 5
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2
import keras
import numpy as np
import tensorflow as tf

from lipflow import mouthfile, splitfile
from lipflow import params as params_mod
from lipflow.models import Architecture, build, ctc_loss
from lipflow.models.layers import VideoBatchNorm
from lipflow.models.lipnet import VARIANTS
from lipflow.text import encode, normalise
from lipflow.train import setup, vanilla

SENTENCE = normalise("Purtroppo non lo so, però potresti chiedere all'autista.")
PAPER_INPUT = (50, 100)
BACKWARD_FACTOR = 3
"""Training FLOPs per sample ~ forward + backward (twice the forward)."""
MATMUL_REPEATS = 20


def forward_flops(model: keras.Model) -> float:
    """Multiply-adds x 2 of the convolutions, GRUs and the output layer for one clip."""
    flops = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv3D):
            kernel = np.prod(layer.kernel_size) * layer.input.shape[-1]
            flops += 2 * kernel * layer.filters * np.prod(layer.output.shape[1:-1])
        elif isinstance(layer, keras.layers.Bidirectional):
            units, inputs, steps = layer.forward_layer.units, layer.input.shape[-1], layer.input.shape[1]
            flops += 2 * 2 * 3 * (inputs + units) * units * steps
        elif isinstance(layer, keras.layers.Dense):
            flops += 2 * layer.input.shape[-1] * layer.units * layer.input.shape[1]
    return float(flops)


def matmul_rate(size: int, dtype: str) -> float:
    """FLOP/s of one ``size`` x ``size`` matmul in ``dtype``, median of MATMUL_REPEATS."""
    a = tf.cast(tf.random.normal((size, size)), dtype)
    b = tf.cast(tf.random.normal((size, size)), dtype)
    tf.matmul(a, b).numpy()
    times = []
    for _ in range(MATMUL_REPEATS):
        started = time.perf_counter()
        tf.matmul(a, b).numpy()
        times.append(time.perf_counter() - started)
    return 2 * size**3 / float(np.median(times))


def write_corpus(root: Path, clips: int, shape: tuple[int, int, int, int]) -> list[str]:
    """``clips`` random clips, each as one .npz (lipflow) and one PNG per frame (original)."""
    rng = np.random.default_rng(0)
    keys = [f"s1/{index}-BM" for index in range(clips)]
    rows = []
    for index, key in enumerate(keys):
        frames = rng.integers(0, 256, shape, dtype=np.uint8)
        (root / "mouth" / key).parent.mkdir(parents=True, exist_ok=True)
        mouthfile.write(root / "mouth" / f"{key}.npz", {mouthfile.FRAMES: frames})
        png_dir = root / "png" / key
        png_dir.mkdir(parents=True)
        for number, frame in enumerate(frames):
            cv2.imwrite(str(png_dir / f"{number:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        rows.append(splitfile.Row(key, "s1", "16", SENTENCE, "val" if index == 0 else "train"))
    splitfile.write(root / "split.tsv", rows)
    return keys[1:]


def lipflow_rate(params: dict, root: Path, batch: int, steps: int) -> float:
    setup.make_deterministic(params["seed"])
    data = setup.load_data(params, root / "mouth", root / "split.tsv")
    task = vanilla.CTCTask(setup.make_model(params, data), setup.make_optimizer(params))
    step = tf.function(task.train_step, input_signature=data.val().element_spec)

    def batches():
        epoch = 0
        while True:
            yield from data.train(epoch)
            epoch += 1

    stream = batches()
    step(*next(stream))["loss"].numpy()
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        step(*next(stream))["loss"].numpy()
        times.append(time.perf_counter() - started)
    return batch / float(np.median(times))


def png_generator(root: Path, keys: list[str], batch: int):
    """The original input path: PNG files -> float64 arrays, one Python loop per frame."""
    labels = np.zeros((batch, len(SENTENCE)), np.int32)
    labels[:] = encode(SENTENCE)
    while True:
        for start in range(0, len(keys) - batch + 1, batch):
            clips = []
            for key in keys[start:start + batch]:
                frames = [cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).astype(np.float64)
                          for path in sorted((root / "png" / key).glob("*.png"))]
                clips.append(np.stack(frames))
            yield np.stack(clips), labels


def original_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    """The same layer as the original model had it: Keras' own BatchNormalization, not the fused one."""
    if isinstance(layer, VideoBatchNorm):
        return keras.layers.BatchNormalization.from_config(layer.get_config())
    return layer.__class__.from_config(layer.get_config())


def original_rate(params: dict, root: Path, keys: list[str], batch: int, steps: int) -> float:
    setup.make_deterministic(params["seed"])
    crop = (params["mouth"]["height"], params["mouth"]["width"])
    model = keras.models.clone_model(build(Architecture.from_params(params), source_size=crop),
                                     clone_function=original_layer)

    def loss(labels, logits):
        labels = keras.ops.cast(labels, "int32")
        return ctc_loss(labels, keras.ops.sum(keras.ops.cast(labels > 0, "int32"), axis=1), logits)

    train = params["train"]
    model.compile(keras.optimizers.Adam(train["learning_rate"], clipnorm=train["clipnorm"]), loss=loss)
    generator = png_generator(root, keys, batch)
    model.fit(generator, steps_per_epoch=1, epochs=1, verbose=0)
    clock = StepClock()
    model.fit(generator, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[clock])
    return batch / float(np.median(np.diff(clock.times)))


class StepClock(keras.callbacks.Callback):
    """Wall-clock time at the start of the first step and at the end of every step."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        if not self.times:
            self.times.append(time.perf_counter())

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=VARIANTS, default="lipnet")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per method (after one warm-up step)")
    parser.add_argument("--matmul", type=int, default=2048, help="side of the matmul ceiling")
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args()

    params = params_mod.load(args.params)
    params["model"].update(variant=args.variant, normalise=False, precision="float32")
    if args.variant != "small":
        params["model"].update(input_height=PAPER_INPUT[0], input_width=PAPER_INPUT[1])
    params["train"]["batch_size"] = args.batch
    mouth = params["mouth"]
    shape = (mouth["frames"], mouth["height"], mouth["width"], mouth["channels"])

    matmul = matmul_rate(args.matmul, "float32")
    matmul_bf16 = matmul_rate(args.matmul, "bfloat16")
    flops = BACKWARD_FACTOR * forward_flops(build(Architecture.from_params(params)))
    bf16_params = {**params, "model": {**params["model"], "precision": "mixed_bfloat16"}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        keys = write_corpus(root, 2 * args.batch + 1, shape)
        lipflow = lipflow_rate(params, root, args.batch, args.steps)
        lipflow_bf16 = lipflow_rate(bf16_params, root, args.batch, args.steps)
        original = original_rate(params, root, keys, args.batch, args.steps)

    figures = {
        "variant": args.variant, "batch": args.batch, "steps": args.steps, "input": list(shape),
        "train_gflop_per_sample": flops / 1e9,
        "lipflow_samples_per_s": lipflow,
        "lipflow_bf16_samples_per_s": lipflow_bf16,
        "original_samples_per_s": original,
        "speedup_vs_original": lipflow / original,
        "speedup_bf16_vs_original": lipflow_bf16 / original,
        "matmul_gflop_per_s": matmul / 1e9,
        "matmul_bf16_gflop_per_s": matmul_bf16 / 1e9,
        "lipflow_gflop_per_s": lipflow * flops / 1e9,
        "fraction_of_matmul": lipflow * flops / matmul,
        "fraction_of_bf16_matmul": lipflow_bf16 * flops / matmul_bf16,
    }
    rows = [
        ("original style (PNG per frame, float64, fit)", original, flops),
        ("lipflow float32 (npz, tf.data cache, tf.function)", lipflow, flops),
        ("lipflow mixed_bfloat16", lipflow_bf16, flops),
        (f"float32 matmul {args.matmul}x{args.matmul}", None, matmul),
        (f"bfloat16 matmul {args.matmul}x{args.matmul}", None, matmul_bf16),
    ]
    print(f"{'method':<52} {'samples/s':>10} {'GFLOP/s':>9} {'x original':>10}")
    for name, rate, work in rows:
        if rate is None:
            print(f"{name:<52} {'':>10} {work / 1e9:>9.1f} {'':>10}")
        else:
            print(f"{name:<52} {rate:>10.2f} {rate * work / 1e9:>9.1f} {rate / original:>10.2f}")
    print(f"{args.variant}, batch {args.batch}, input {shape}: {flops / 1e9:.1f} GFLOP per training sample; "
          f"lipflow float32 {lipflow / original:.2f}x original at {100 * lipflow * flops / matmul:.0f}% of the "
          f"float32 matmul rate; mixed_bfloat16 {lipflow_bf16 / original:.2f}x at "
          f"{100 * lipflow_bf16 * flops / matmul_bf16:.0f}% of the bfloat16 matmul rate")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
