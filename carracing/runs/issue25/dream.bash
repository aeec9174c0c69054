#!/usr/bin/env bash
# Issue 25, step 5: C trained inside M's dream, scored in the dream and in the real game every
# EVERY generations (the same 16 seeds 2000..2015 in both; dream_vs_real.py), then the table's plot.
# Needs run.bash's outputs (V, the 4,000-step M, series). Re-running resumes every step.
#
#   WORKDIR=/work/cr25 bash carracing/runs/issue25/dream.bash            # tau 1.0, 100 generations
#   WORKDIR=/work/cr25 TAU=1.15 GENS=200 bash carracing/runs/issue25/dream.bash
source "$(dirname "${BASH_SOURCE[0]}")/env.bash"  # HERE, C, PY, W (= CARRACING_WORKDIR)
TAU="${TAU:-1.0}"
GENS="${GENS:-100}"
EVERY="${EVERY:-10}"
LOG="$W/dream/tau$TAU"
cd "$C"
# the reward and done heads on M's frozen h (all 3,500 training episodes), scored on the held-out series
if [[ ! -f "$W/tf_rnn/rnn_heads.npz" ]]; then
  "$PY" fit_heads.py --held_out "$W/held/series/series.npz" --json "$W/tf_rnn/heads.json"
fi
for ((G = EVERY; G <= GENS; G += EVERY)); do
  "$PY" train.py --dream --temperature "$TAU" -g "$G" --eval_steps "$EVERY" --log_dir "$LOG"
  "$PY" dream_vs_real.py "$LOG/carracing_dream.cma.16.64." --temperature "$TAU" --plot "$LOG/dream_vs_real.png"
done
