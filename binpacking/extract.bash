#!/usr/bin/env bash
# Collect bin packing episodes (random-valid, heuristic and noisy-heuristic play, see extract.py)
# with W parallel workers into binpacking/record/.
#
#   bash extract.bash                 # W = nproc workers, 200 episodes each [orig: 200 per worker]
#   bash extract.bash 4               # 4 workers
#   bash extract.bash -w 4 -e 2000    # 4 workers, 2000 episodes in all
#   bash extract.bash -w 2 -e 20 -- --items 100   # extra options go to extract.py
#
# Worker i uses seed SEED0 + i (-s SEED0, default 0), so re-running the same command resumes
# where it stopped. Exits non-zero if any worker failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PY=python3
if [[ -x "$REPO/.venv/bin/python" ]]; then PY="$REPO/.venv/bin/python"; fi

usage() { echo "usage: bash extract.bash [-w WORKERS] [-e TOTAL_EPISODES] [-s SEED0] [WORKERS] [-- extract.py options]" >&2; exit 2; }

W="$(nproc)"
TOTAL=""
SEED0=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -w) W="${2:?-w needs a number}"; shift 2 ;;
    -e) TOTAL="${2:?-e needs a number}"; shift 2 ;;
    -s) SEED0="${2:?-s needs a number}"; shift 2 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    [0-9]*) W="$1"; shift ;;
    *) echo "extract.bash: unknown argument '$1'" >&2; usage ;;
  esac
done
for v in "$W" "${TOTAL:-0}" "$SEED0"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "extract.bash: '$v' is not a non-negative integer" >&2; exit 2; }
done
[[ "$W" -ge 1 ]] || { echo "extract.bash: need at least one worker, got $W" >&2; exit 2; }
TOTAL="${TOTAL:-$((200 * W))}"  # 200 episodes per worker [orig doomrnn: 200 trials per worker]

echo "extract.bash: $W workers, $TOTAL episodes, python $PY"
pids=()
for ((i = 0; i < W; i++)); do
  n=$((TOTAL / W + (i < TOTAL % W ? 1 : 0)))  # spread the remainder over the first workers
  "$PY" "$HERE/extract.py" --worker "$i" --seed "$((SEED0 + i))" --num_episodes "$n" "$@" &
  pids+=($!)
done

failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=$((failed + 1))
done

OUT="$HERE/record"
for ((j = 1; j <= $#; j++)); do  # follow an --out_dir passed through to extract.py
  if [[ "${!j}" == "--out_dir" ]]; then k=$((j + 1)); OUT="${!k}"; fi
done
count=$(find "$OUT" -maxdepth 1 -name '*.npz' 2>/dev/null | wc -l)
echo "extract.bash: $count episodes in $OUT"
if [[ "$failed" -gt 0 ]]; then
  echo "extract.bash: $failed of $W workers failed" >&2
  exit 1
fi
