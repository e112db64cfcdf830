"""Online distillation overhead: one KD step of N peers vs N vanilla steps of the same peer.

Both steps are the ones the trainers compile (``KDTask.train_step`` and ``CTCTask.train_step``
under ``tf.function``), on the same batch of random clips with a real label, after warm-up
steps; the two kinds of step alternate and each time is the median of ``--steps`` steps (the
machine is shared: alternating spreads another process's load over both). The figure is

    overhead = KD step time / (N x vanilla step time)

so 1.0 means the ensemble, attention and KL cost nothing beyond training N models; the goal
is <= 1.15. Prints a table, then one JSON line. Run from the repository root:

    python benchmarks/kd_overhead.py --variant small --batch 4 --steps 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from lipflow import params as params_mod
from lipflow.models import Architecture, build
from lipflow.models.attention import PeerAttention
from lipflow.models.lipnet import VARIANTS
from lipflow.text import encode, normalise
from lipflow.train import kd, setup, vanilla

SENTENCE = normalise("Purtroppo non lo so, però potresti chiedere all'autista.")
WARMUP_STEPS = 2


def median_step_seconds(steps: dict, batch, count: int) -> dict[str, float]:
    """Median seconds of each compiled step, the steps taken in turn."""
    for step in steps.values():
        for _ in range(WARMUP_STEPS):
            step(*batch)
    times = {name: [] for name in steps}
    for _ in range(count):
        for name, step in steps.items():
            started = time.perf_counter()
            float(step(*batch)["loss"])
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def peer(arch: Architecture, seed: int, name: str) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return build(arch, name=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--variant", choices=VARIANTS, default="small")
    parser.add_argument("--peers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per side (median)")
    args = parser.parse_args()

    params = params_mod.load(args.params)
    params["model"].update(variant=args.variant)
    kd_params = params["kd"]
    arch = Architecture.from_params(params)
    setup.make_deterministic(params["seed"])
    rng = np.random.default_rng(params["seed"])
    frames = rng.integers(0, 256, (args.batch, arch.frames, arch.height, arch.width, arch.channels))
    label = encode(SENTENCE)
    batch = (tf.constant(frames, tf.float32), tf.constant(np.tile(label, (args.batch, 1)), tf.int32),
             tf.constant([len(label)] * args.batch, tf.int32))
    signature = tuple(tf.TensorSpec(t.shape, t.dtype) for t in batch)

    single = vanilla.CTCTask(peer(arch, kd.peer_seed(params["seed"], 0), "peer0"), setup.make_optimizer(params))

    peers = {kd.peer_name(i): peer(arch, kd.peer_seed(params["seed"], i), kd.peer_name(i)) for i in range(args.peers)}
    attention = PeerAttention(kd_params["attention_units"], name="attention")
    attention.build((None, args.peers, len(kd_params["descriptors"])))
    cohort = kd.KDTask(peers, attention, setup.make_optimizer(params), kd_params["lambda"],
                       kd_params["temperature"], kd_params["descriptors"])
    steps = {"vanilla": single.train_step, "kd": cohort.train_step}
    seconds = median_step_seconds({name: tf.function(step, input_signature=signature) for name, step in steps.items()},
                                  batch, args.steps)
    vanilla_s, kd_s = seconds["vanilla"], seconds["kd"]

    overhead = kd_s / (args.peers * vanilla_s)
    print(f"variant {args.variant}, batch {args.batch}, {args.peers} peers, median of {args.steps} warm steps")
    print(f"{'step':<28}{'seconds':>10}")
    print(f"{'vanilla (1 model)':<28}{vanilla_s:>10.3f}")
    print(f"{f'{args.peers} x vanilla':<28}{args.peers * vanilla_s:>10.3f}")
    print(f"{f'KD ({args.peers} peers + attention)':<28}{kd_s:>10.3f}")
    print(f"{'overhead (goal <= 1.15)':<28}{overhead:>10.3f}")
    print(json.dumps({"variant": args.variant, "batch": args.batch, "peers": args.peers, "steps": args.steps,
                      "vanilla_step_s": vanilla_s, "kd_step_s": kd_s, "kd_overhead": overhead}))


if __name__ == "__main__":
    main()
