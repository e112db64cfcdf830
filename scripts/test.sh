#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite, slow end-to-end tests included.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not slow"`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
status=0
# Three workers (pytest-xdist) on 2 cores, each test module on one worker so its fixtures are built once: the
# end-to-end tests wait on subprocesses and the disk, so one worker per core leaves the cores partly idle.
# Measured in fresh clones on 2 cores (code differing in one grammar function), a niced training beside
# them: the tests took 29.5 min with two workers, 24.2 min with three. `-n 0` after the command runs it
# serially. tests/conftest.py starts the heaviest modules first.
python -m pytest -n 3 --dist loadscope --durations=25 "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
exit "$status"
