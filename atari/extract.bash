#!/usr/bin/env bash
# Collect random episodes of an Atari game with W parallel workers into atari/<game>/record/.
#
#   bash extract.bash                          # Pong, W = nproc workers, 200 episodes each
#   bash extract.bash 4                        # 4 workers
#   bash extract.bash -w 4 -e 800              # 4 workers, 800 episodes in all
#   bash extract.bash -w 4 -e 800 -- --game Breakout --max_hold 1   # extra options go to extract.py
#
# Worker i uses seed SEED0 + i (-s SEED0, default 0), so re-running the same command resumes
# where it stopped. The options after -- are checked once (e.g. an unknown game) before any
# worker starts. Exits non-zero if any worker failed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=python3
if [[ -x "$HERE/../.venv/bin/python" ]]; then PY="$HERE/../.venv/bin/python"; fi
# the record folder of the chosen game (from the options after --); also validates them once
extra=()
for ((j = 1; j <= $#; j++)); do
  if [[ "${!j}" == "--" ]]; then extra=("${@:j+1}"); break; fi
done
OUT="$("$PY" "$HERE/extract.py" "${extra[@]}" --print_out_dir)" || { s=$?; exit $((s == 130 ? 130 : 2)); }  # 130: Ctrl-C
exec bash "$HERE/../worldmodels/scripts/extract_workers.bash" "$HERE/extract.py" "$OUT" "$@"
