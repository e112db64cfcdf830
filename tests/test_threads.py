"""TensorFlow's threads from a param."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import tensorflow as tf
from lipflow.threads import limit_threads
limit_threads({"train": {"threads": 1}}, "train.threads")
limit_threads({"train": {"threads": 1}}, "train.threads")
tf.constant(1.0) + 1.0
print(tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads())
limit_threads({"train": {"threads": 2}}, "train.threads")
print(tf.config.threading.get_intra_op_parallelism_threads())
"""


def test_threads_come_from_the_param_and_a_late_change_is_named_not_silent():
    """A job uses the cores the engine reserved; once TensorFlow runs in a process, other threads
    cannot be had, and the warning names the param rather than pretending."""
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["1", "1", "1"]
    assert "train.threads (2) not applied: TensorFlow already runs in this process" in result.stderr
