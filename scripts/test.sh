#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite, slow end-to-end tests included.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not slow"`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
status=0
# Two workers (pytest-xdist), each test module on one worker so its fixtures are built once. Run serially the
# suite keeps under one core busy (its end-to-end tests wait on subprocesses); measured on 2 cores: 22 min with
# two workers, 45 without. `-n 0` after the command runs it serially.
python -m pytest -n 2 --dist loadscope --durations=25 "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
exit "$status"
