#!/usr/bin/env bash
# Issue 27, item 3: bag capacity 100 from records to scored controllers (README.md, "Capacity 100").
# Every step resumes or is skipped when done; re-run the same command.
#
#   WORKDIR=/work/bp100 bash binpacking/runs/issue27/capacity100.bash
#   WORKDIR=/work/bp100 GENS=40 bash binpacking/runs/issue27/capacity100.bash   # more generations
#
# Steps: 40 episodes of 10,000 items drawn from the three large distributions (400k frames, as
# capacity 9's 400 x 1000); V (z 64, V_EPOCHS epochs of 100k frames), series, M (100 actions,
# M_EPOCHS epochs), by default capacity 9's budgets (gpu_jobs.bash); then, per distribution D of DISTS, C in the real environment: CMA-ES with a
# diagonal covariance (32,100 params), population POP x EPISODES episodes of ITEMS items on common
# seeds (shorter than the game's 10,000 so that a generation is affordable on 2 cores: the picture
# shows the bags, not the items left), GENS generations, the mean evaluated on 32 episodes every 5;
# then best.json scored on SCORE_EPISODES full 10,000-item episodes, seeds 0.. (never used in
# training or selection: train.py draws its seeds from [0, 2^31)), and Best Fit, Sum-of-Squares and
# random-valid play on the same items (baselines.py). Outputs under WORKDIR (git-ignored):
# record/, tf_vae/, series/, tf_initial_z/, tf_rnn/, log/<D>/binpacking.cma.<EPISODES>.<POP>.*,
# score_<D>.txt, baselines.md. `python ship.py --distributions ...` (with BINPACKING_WORKDIR=WORKDIR)
# then copies V, M and the controllers into trained/capacity100/. Raising V_EPOCHS after the series
# exists does not re-encode it: remove series/, tf_initial_z/, tf_rnn/ and log/ to rebuild on the new V.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
B="$(cd "$HERE/../.." && pwd)"
PY="$B/../.venv/bin/python"
export BINPACKING_WORKDIR="${WORKDIR:?set WORKDIR, e.g. WORKDIR=/work/bp100}"
W="$BINPACKING_WORKDIR"
DISTS="${DISTS:-perfect_pack_large bounded_waste_large}"
V_EPOCHS="${V_EPOCHS:-3}"   # gpu_jobs.bash's budgets (config.py): V 3 epochs of 100k frames, M 20 epochs
M_EPOCHS="${M_EPOCHS:-20}"
GENS="${GENS:-25}"
POP="${POP:-32}"
EPISODES="${EPISODES:-2}"
ITEMS="${ITEMS:-1000}"
SCORE_EPISODES="${SCORE_EPISODES:-100}"
mkdir -p "$W"
cd "$B"
bash extract.bash -w 2 -e 40 -- --no_progress \
  --distribution perfect_pack_large+bounded_waste_large+linear_waste_large
"$PY" vae_train.py --epochs "$V_EPOCHS"
[[ -f "$W/series/series.npz" ]] || "$PY" series.py
"$PY" rnn_train.py --epochs "$M_EPOCHS"
for D in $DISTS; do
  echo "== C for $D in $W: population $POP x $EPISODES episodes of $ITEMS items, $GENS generations"
  "$PY" train.py --real --distribution "$D" -n "$POP" -e "$EPISODES" --items "$ITEMS" --common_seeds \
    --eval_steps 5 --num_eval 32 -g "$GENS"
done
for D in $DISTS; do
  SCORE="$W/score_$D.txt"
  BEST="$W/log/$D/binpacking.cma.$EPISODES.$POP.best.json"
  if [[ ! -s "$SCORE" || "$BEST" -nt "$SCORE" ]]; then  # scored again after more generations
    "$PY" model.py binpacking norender "$BEST" 0 --distribution "$D" --episodes "$SCORE_EPISODES" \
      --procs 2 > "$SCORE.tmp"
    mv "$SCORE.tmp" "$SCORE"
  fi
  echo "== $D: C $(tail -1 "$SCORE")"
done
if [[ ! -s "$W/baselines.md" ]]; then
  # shellcheck disable=SC2086  # DISTS is a list
  "$PY" baselines.py --distributions $DISTS --episodes "$SCORE_EPISODES" --markdown > "$W/baselines.md.tmp"
  mv "$W/baselines.md.tmp" "$W/baselines.md"
fi
cat "$W/baselines.md"
