#!/usr/bin/env bash
# Issue 26, item 5: the paper's Table 2 on run.bash's M (M0, WORKDIR/iter/0/rnn.npz from iterate.bash):
# one C evolved in the dream at each temperature, from START_C (iterate.bash's), GENERATIONS generations, then
# scored over 100 episodes (seeds 1000..1099) in the dream at its own tau and in the real game.
# Rows go to OUT (TSV: tau, generations, best dream evaluation, dream mean/std, real mean/std); rows
# already there are kept and train.py resumes, so re-running goes on where it stopped.
#
#   WORKDIR=/work/doom26 bash doomrnn/runs/issue26/table2.bash              # tau 0.10 0.50 1.00 1.15 1.30
#   WORKDIR=/work/doom26 TAUS="1.00 1.30" bash doomrnn/runs/issue26/table2.bash -n 8   # options go to train.py
#
# iterate.bash's round 0 is this run at tau 1.15: its folder is used for that row.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="$(cd "$HERE/../.." && pwd)"
PY="$D/../.venv/bin/python"
export DOOMRNN_WORKDIR="${WORKDIR:?set WORKDIR to the folder of run.bash and iterate.bash}"
W="$DOOMRNN_WORKDIR"
M0="$W/iter/0/rnn.npz"
[[ -f "$M0" ]] || { echo "error: no $M0: run WORKDIR=$W bash $HERE/iterate.bash 0 first" >&2; exit 2; }
TAUS="${TAUS:-0.10 0.50 1.00 1.15 1.30}"  # [paper tab. 2]
GENERATIONS="${GENERATIONS:-30}"           # iterate.bash's round 0
EPISODES="${EPISODES:-100}"
START_C="${START_C:-$HERE/state/start_c.best.json}"  # as iterate.bash: the C shipped until 2026-12-06
OUT="${OUT:-$W/table2.tsv}"
FILES=(--vae "$W/tf_vae/vae.npz" --rnn "$M0" --initial_z "$W/tf_initial_z/initial_z.json")
mean_std() { awk '/average_reward/ {print $4 "\t" $6}' ; }
cd "$D"
touch "$OUT"
for TAU in $TAUS; do
  if cut -f1 "$OUT" | grep -qxF "$TAU"; then continue; fi
  LOG="$W/table2/tau$TAU"
  [[ "$TAU" == "1.15" && -f "$W/iter/0/done" ]] && LOG="$W/iter/0"
  if [[ ! -f "$LOG/done" ]]; then
    "$PY" train.py --temperature "$TAU" --log_dir "$LOG" "${FILES[@]:2}" --init_from "$START_C" \
      --eval_steps 10 -g "$GENERATIONS" "$@"
    touch "$LOG/done"
  fi
  BEST=$(ls "$LOG"/doomrnn.cma.*.best.json 2>/dev/null | head -1)
  [[ -n "$BEST" ]] || { echo "error: train.py wrote no best.json in $LOG: evaluate at least once (--eval_steps)" >&2; exit 2; }
  BEST_EVAL=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[1])' "$BEST")  # [params, its evaluation]
  ROW="$TAU	$GENERATIONS	$BEST_EVAL"
  ROW+="	$("$PY" model.py doomrnn norender "$BEST" 1000 --episodes "$EPISODES" --temperature "$TAU" "${FILES[@]}" | mean_std)"
  ROW+="	$("$PY" model.py doomreal norender "$BEST" 1000 --episodes "$EPISODES" --procs 2 "${FILES[@]}" | mean_std)"
  echo "$ROW" >> "$OUT"
  echo "$ROW"
done
