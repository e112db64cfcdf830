#!/usr/bin/env bash
# The realistic-corpus study (issue 19): vanilla vs online distillation on unseen speakers and sentences.
# Usage: bash scripts/study.sh [study folder, default studies/realistic] [stage...]; stages default to the
# data stages then lipflow experiment. Run after setup.sh (it uses .venv).
# Every stage resumes: finished clips and training runs are reused, an interrupted run continues from its last
# epoch, and reports/experiments/kd_vs_vanilla.{md,json} is rewritten after each protocol.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
study="${1:-studies/realistic}"
shift || true
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(synth fps align landmarks mouth split experiment)
source "$repo/.venv/bin/activate"
cd "$repo/$study"
for stage in "${stages[@]}"; do
  echo "== lipflow $stage ($(date -u +%H:%M:%S))"
  lipflow "$stage"
done
