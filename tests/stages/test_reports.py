"""The report stages read metrics files and draw; they start without TensorFlow."""

import subprocess
import sys

import pytest

REPORT_STAGES = ("experiment", "results", "figures", "alignment_report", "split", "experiment_split")


@pytest.mark.parametrize("stage", REPORT_STAGES)
def test_a_report_stage_does_not_import_tensorflow(stage):
    """Importing TensorFlow alone took 7.9 s on this 2-core CPU (measured beside a training), on every run."""
    probe = (f"import sys, lipflow.stages.{stage}; "
             "print(sorted({name.split('.')[0] for name in sys.modules} & {'tensorflow', 'keras'}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"lipflow.stages.{stage} imports {loaded.strip()}"
