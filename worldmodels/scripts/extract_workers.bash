#!/usr/bin/env bash
# Run W extract.py workers in parallel and report how many episodes were written.
# Every environment's extract.bash calls this:
#   bash extract_workers.bash EXTRACT_PY RECORD_DIR [-w WORKERS] [-e TOTAL] [-s SEED0] [WORKERS] [-- extract.py options]
# Worker i gets seed SEED0 + i and its share of TOTAL episodes (default 200 per worker [orig
# extract.py: 200 trials per worker]), so re-running the same command resumes where it stopped.
# Exits non-zero if any worker failed. Ctrl-C (SIGINT) or SIGTERM stops every worker (each deletes the
# episode it was writing: files in the record folder are always complete) and exits 130 (143 for
# SIGTERM); the same command then resumes.
set -euo pipefail

EXTRACT="${1:?extract_workers.bash needs the extract.py path}"
OUT="${2:?extract_workers.bash needs the record folder}"
shift 2
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
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
TOTAL="${TOTAL:-$((200 * W))}"

count_episodes() {
  local j k out="$OUT"
  for ((j = 1; j <= $#; j++)); do  # follow an --out_dir passed through to extract.py
    if [[ "${!j}" == "--out_dir" ]]; then k=$((j + 1)); out="${!k}"; fi
  done
  echo "$(find "$out" -maxdepth 1 -name '*.npz' ! -name '.*' 2>/dev/null | wc -l) episodes in $out"
}

pids=()
stop_workers() {  # $1: the exit status, 128 + the signal's number; the rest: extract.py's options
  local status="$1" t
  shift
  trap '' INT TERM  # a second Ctrl-C must not cut the clean-up short
  echo "extract.bash: interrupted; stopping ${#pids[@]} workers" >&2
  # background workers of a script ignore SIGINT (bash sets that), so they get SIGTERM, on which
  # extract.py deletes the episode it was writing and exits. Any still running after 300 x 0.1 s
  # (a worker needs well under a second) is killed; the next write of its episode deletes what
  # it left (estool.files.remove_stale_temps)
  if [[ ${#pids[@]} -gt 0 ]]; then kill -TERM "${pids[@]}" 2>/dev/null || true; fi
  for ((t = 0; t < 300; t++)); do
    [[ -z "$(jobs -rp)" ]] && break
    sleep 0.1
  done
  if [[ -n "$(jobs -rp)" ]]; then kill -KILL $(jobs -rp) 2>/dev/null || true; fi
  wait 2>/dev/null || true
  echo "extract.bash: $(count_episodes "$@"); re-run the same command to resume" >&2
  exit "$status"
}
trap 'stop_workers 130 "$@"' INT
trap 'stop_workers 143 "$@"' TERM

echo "extract.bash: $W workers, $TOTAL episodes, python $PY"
for ((i = 0; i < W; i++)); do
  n=$((TOTAL / W + (i < TOTAL % W ? 1 : 0)))  # spread the remainder over the first workers
  "$PY" "$EXTRACT" --worker "$i" --seed "$((SEED0 + i))" --num_episodes "$n" "$@" &
  pids+=($!)
done

failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=$((failed + 1))
done

trap - INT TERM
echo "extract.bash: $(count_episodes "$@")"
if [[ "$failed" -gt 0 ]]; then
  echo "extract.bash: $failed of $W workers failed" >&2
  exit 1
fi
