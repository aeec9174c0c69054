#!/usr/bin/env bash
# Issue 26, items 1-2: data as the original's scale and M to convergence. Re-running resumes every step.
#
#   WORKDIR=/work/doom26 bash doomrnn/runs/issue26/run.bash
#
# 1. 4,000 random-policy episodes (2 workers, seeds 0 and 1) in WORKDIR/record and 210 held out
#    (worker 99, seed 99: 5 % of the total) in WORKDIR/held/record, never used to train V or M.
# 2. V: the shipped V (trained/vae.npz, 1,200 other episodes), so V never saw the held-out ones.
# 3. The series of both with that V.
# 4. M at the original's layout (100 sequences x 500, Adam 1e-3 decaying to 1e-5 [orig doomrnn.py]),
#    starting from the weights of the M shipped 2026-11-21 to 2026-12-06 (INIT_FROM, default
#    state/stage1_rnn.npz: its ~1,800 steps on 1,200 other episodes; 2 cores cannot afford the
#    original's 24,400 steps from scratch; INIT_FROM= starts from random weights), on jax (the fastest backend here, README.md) when it is installed, its held-out NLL after every
#    epoch in WORKDIR/tf_rnn/held_out.json, until that NLL is flat (< 1 % better over the last fifth
#    of the epochs) or EPOCHS (default 400 [orig]) are done.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="$(cd "$HERE/../.." && pwd)"
PY="$D/../.venv/bin/python"
export DOOMRNN_WORKDIR="${WORKDIR:-$HERE/work}"
W="$DOOMRNN_WORKDIR"
EPOCHS="${EPOCHS:-400}"
INIT_FROM="${INIT_FROM-$HERE/state/stage1_rnn.npz}"  # not trained/rnn.npz: that is M0 itself since 2026-12-06
cd "$D"
mkdir -p "$W/tf_vae"
bash extract.bash -w 2 -e 4000 -s 0 -- --no_progress
DOOMRNN_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes 210 --no_progress
[[ -f "$W/tf_vae/vae.npz" ]] || cp trained/vae.npz "$W/tf_vae/vae.npz"
[[ -f "$W/series/series.npz" ]] || "$PY" series.py
[[ -f "$W/held/series/series.npz" ]] || DOOMRNN_WORKDIR="$W/held" "$PY" series.py --vae "$W/tf_vae/vae.npz"
if "$PY" -c 'import jax' 2>/dev/null; then export KERAS_BACKEND=jax; fi
"$PY" rnn_train.py --epochs "$EPOCHS" --held_out "$W/held/series/series.npz" --held_out_episodes 210 --until_flat \
    ${INIT_FROM:+--init_from "$INIT_FROM"}
"$PY" rnn_check.py --series "$W/held/series/series.npz" --episodes 210
