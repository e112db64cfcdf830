#!/usr/bin/env bash
# Snakemake runs this once in the new conda env (align.yaml), after creating it.
set -euo pipefail
source="${LIPFLOW_SOURCE:?set by rules/common.smk to the lipflow checkout Snakemake runs}"
python -m pip install --no-build-isolation "$(grep '^aeneas==' "$source/requirements/base.txt")"
python -m pip install --no-deps --no-build-isolation -e "$source"
