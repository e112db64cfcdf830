#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the default pipeline end to end with Snakemake:
# embedded corpus -> 25 fps -> alignment -> mouth crops -> split -> training -> evaluation.
# Extra arguments go to snakemake (e.g. `bash scripts/pipeline.sh --cores 1`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
exec snakemake --cores "$(nproc)" "$@"
