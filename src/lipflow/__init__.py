"""lipflow: a reproducible lip-reading pipeline."""

import os

# TensorFlow's graph optimizer logs harmless failures ("remapper failed", "oneDNN supports
# DT_BOOL only ...") at ERROR level on CPU; level 3 hides them and is read only when
# TensorFlow loads, which is always after this. A value set in the shell wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
