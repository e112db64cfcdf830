#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the default pipeline end to end with Snakemake:
# embedded corpus -> 25 fps -> alignment -> landmarks -> mouth crops -> split -> training -> evaluation.
# Extra arguments go to snakemake (e.g. `bash scripts/pipeline.sh --cores 1`). The console shows
# Snakemake's plan, progress every 10% and any error; each job's own output is in logs/<rule>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
snakemake --cores "$(nproc)" "$@" 2>&1 | awk '
    /^Select jobs to execute\.\.\.$|^Execute [0-9]+ jobs\.\.\.$|^Finished jobid: |^\[[A-Z][a-z][a-z] .*[0-9]\]$/ { next }
    /^[0-9]+ of [0-9]+ steps \([0-9]+%\) done$/ {
        percent = $0; sub(/.*\(/, "", percent); sub(/%.*/, "", percent)
        if (int(percent / 10) <= shown) next
        shown = int(percent / 10)
    }
    { print; fflush() }
' shown=-1
echo "Clips per stage (reports/manifests/<stage>.tsv says which failed and why):"
cat logs/manifest/*.log 2>/dev/null || true
echo "Results: reports/results.md"
