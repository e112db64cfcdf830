#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the default pipeline end to end with Snakemake:
# embedded corpus -> 25 fps -> alignment -> landmarks -> mouth crops -> split -> training -> evaluation.
# Extra arguments go to snakemake (e.g. `bash scripts/pipeline.sh --cores 1`). The console shows
# Snakemake's plan, progress every 10% and any error; each job's own output is in logs/<rule>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source .venv/bin/activate
# Python, not awk: mawk reads a pipe in blocks, so nothing would show until the end.
snakemake --cores "$(nproc)" "$@" 2>&1 | python -u -c '
import re, sys
shown = -1
for line in sys.stdin:
    if re.match(r"Select jobs to execute|Execute \d+ jobs|Finished jobid: |\[\w{3} .*\d\]$", line):
        continue
    step = re.match(r"\d+ of \d+ steps \((\d+)%\) done", line)
    if step and int(step[1]) // 10 <= shown:
        continue
    shown = int(step[1]) // 10 if step else shown
    sys.stdout.write(line)
'
echo "Clips per stage (reports/manifests/<stage>.tsv says which failed and why):"
cat logs/manifest/*.log 2>/dev/null || true
echo "Results: reports/results.md"
