#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite, slow end-to-end tests included.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not slow"`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
status=0
python -m pytest --durations=25 "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
exit "$status"
