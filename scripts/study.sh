#!/usr/bin/env bash
# The realistic-corpus study (issue 19): vanilla vs online distillation on unseen speakers and sentences.
# Usage: bash scripts/study.sh [study folder, default studies/realistic] [stage...]; stages default to the
# data stages then `sweep`: every run of the vanilla-vs-KD sweep, seed by seed across the protocols (so each
# protocol gets a first comparison early), one after another, with `lipflow experiment` rewriting
# reports/experiments/kd_vs_vanilla.{md,json} after each seed of a protocol. Run after setup.sh (it uses .venv).
# Every stage resumes: finished clips and runs are reused, an interrupted run continues from its last epoch.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
study="${1:-studies/realistic}"
shift || true
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(synth fps align landmarks mouth split sweep)
source "$repo/.venv/bin/activate"
cd "$repo/$study"

sweep() {
  local axes protocols seeds
  axes="$(python -c 'import lipflow.params as p; e = p.load()["experiment"]; print(*e["protocols"]); print(*e["seeds"])')"
  protocols="$(sed -n 1p <<<"$axes")"
  seeds="$(sed -n 2p <<<"$axes")"
  for protocol in $protocols; do lipflow experiment-split --protocol "$protocol"; done
  for seed in $seeds; do
    for protocol in $protocols; do
      for method in vanilla kd; do
        echo "== lipflow experiment-$method --protocol $protocol --seed $seed ($(date -u +%H:%M:%S))"
        lipflow "experiment-$method" --protocol "$protocol" --seed "$seed"
      done
      lipflow experiment
    done
  done
}

for stage in "${stages[@]}"; do
  echo "== $stage ($(date -u +%H:%M:%S))"
  if [ "$stage" = sweep ]; then sweep; else lipflow "$stage"; fi
done
