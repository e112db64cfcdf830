#!/usr/bin/env bash
# Lip-to-speech on the default corpus under other protocols (issue 20): unseen speakers, unseen sentences.
# Usage: bash scripts/l2s_study.sh [source project, default: the repository] [split mode...]
# The source project must have run the data stages and `lipflow mel` (the default pipeline does). Each mode gets
# studies/l2s/<mode>/ with the source's params, split.mode set and studies/l2s/params.yaml's l2s.train laid over
# them; the data stages' outputs are linked, not copied. Then split, asr, train-l2s and evaluate-l2s run there:
# the recogniser is trained on that protocol's train split too, so it never heard a test clip.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
source_project="$(cd "${1:-$repo}" && pwd)"
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(speakers sentences)
source "$repo/.venv/bin/activate"
for mode in "${modes[@]}"; do
  folder="$repo/studies/l2s/$mode"
  mkdir -p "$folder/data"
  python - "$source_project/params.yaml" "$repo/studies/l2s/params.yaml" "$folder/params.yaml" "$mode" <<'PY'
import sys
import yaml
source, overrides, dest, mode = sys.argv[1:]
params = yaml.safe_load(open(source))
params["split"]["mode"] = mode
params["l2s"]["train"].update(yaml.safe_load(open(overrides))["l2s"]["train"])
yaml.safe_dump(params, open(dest, "w"), sort_keys=False, allow_unicode=True)
PY
  for stage in corpus synth fps align landmarks mouth mel; do
    ln -sfn "$source_project/data/$stage" "$folder/data/$stage"
  done
  cd "$folder"
  for stage in split asr train-l2s evaluate-l2s; do
    echo "== $mode: lipflow $stage ($(date -u +%H:%M:%S))"
    lipflow "$stage"
  done
done
