#!/usr/bin/env bash
# Collect random CarRacing episodes with W parallel workers into carracing/record/ (headless).
#
#   bash extract.bash                 # W = nproc workers, 200 episodes each [orig carracing: 200 per worker]
#   bash extract.bash 4               # 4 workers
#   bash extract.bash -w 4 -e 2000    # 4 workers, 2000 episodes in all
#   bash extract.bash -w 4 -e 2000 -- --backend envpool   # extra options go to extract.py
#
# Worker i uses seed SEED0 + i (-s SEED0, default 0), so re-running the same command resumes
# where it stopped. Exits non-zero if any worker failed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$HERE/../worldmodels/scripts/extract_workers.bash" "$HERE/extract.py" "${CARRACING_WORKDIR:-$HERE}/record" "$@"
