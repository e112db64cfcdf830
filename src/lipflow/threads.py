"""The cores of one TensorFlow job: the stage table gives the job a params key as its threads
(``train.threads``, ``experiment.threads``), Snakemake reserves that many cores, and the job sets
TensorFlow's intra- and inter-op threads to the same number before its first op."""

from __future__ import annotations

import logging

import tensorflow as tf

from .params import lookup

LOG = logging.getLogger(__name__)


def limit_threads(params: dict, param: str) -> None:
    """TensorFlow's threads from a param, not from the machine or the engine: a job uses the cores
    Snakemake reserved for it, and its sums come out the same whichever engine runs it. Where
    TensorFlow already runs in this process (a notebook, a test), its threads can no longer change:
    they stay, and a warning says so."""
    count, threading = lookup(params, param), tf.config.threading
    if (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()) == (count, count):
        return
    try:
        threading.set_intra_op_parallelism_threads(count)
        threading.set_inter_op_parallelism_threads(count)
    except RuntimeError as error:
        LOG.warning("%s (%d) not applied: TensorFlow already runs in this process (%s); the engines start "
                    "each job in a process of its own", param, count, error)
