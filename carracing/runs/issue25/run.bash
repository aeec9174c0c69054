#!/usr/bin/env bash
# Issue 25, steps 1-2: data as the original (>= 2,000 random episodes), V on >= 1M frames, and M
# trained to the original's 4,000 steps with snapshots at 200 / 1,000 / 4,000 steps, each scored
# on 100 held-out episodes of gymnasium's game. Re-running resumes every step.
#
#   WORKDIR=/work/cr25 bash carracing/runs/issue25/run.bash      # session 16's data folder
#
# WORKDIR (default carracing/runs/issue25/work, git-ignored) receives record/ (3,500 episodes,
# ~3 GB), held/, tf_vae/, series/, tf_initial_z/, tf_rnn/ and snapshots/. When WORKDIR has no V or
# no M checkpoint yet, the ones committed beside this script (state/: V as float16, M's checkpoint
# with Adam's state after all 4,000 steps, the 200 / 1,000 / 4,000-step snapshots) are copied in, so
# a new machine only re-extracts and re-encodes (about 50 + 25 minutes on 2 cores) and finds M done.
source "$(dirname "${BASH_SOURCE[0]}")/env.bash"  # HERE, C, PY, W (= CARRACING_WORKDIR)
cd "$C"
mkdir -p "$W"
# 1. 3,000 EnvPool episodes (its C++ game: ~3x faster, other tracks per seed) + 500 of gymnasium's game
bash extract.bash -w 2 -e 3000 -s 0 -- --backend envpool --no_progress
bash extract.bash -w 2 -e 500 -s 100 -- --backend fast --no_progress
# held out: 100 episodes of gymnasium's game (worker 99, seed 99), never trained on
CARRACING_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes 100 --no_progress
# 2. V: one epoch of 1,000,000 frames drawn from the 3,107,660, fine-tuned from the shipped V
if [[ ! -f "$W/tf_vae/vae.npz" && -f "$HERE/state/vae.npz" ]]; then
  mkdir -p "$W/tf_vae" && cp "$HERE/state/vae.npz" "$W/tf_vae/vae.npz"
fi
if [[ ! -f "$W/tf_vae/vae.npz" ]]; then
  "$PY" vae_train.py --init_from trained/vae.npz --epochs 1 --max_frames 1000000
fi
for R in "$W/held/record"; do
  "$PY" vae_check.py --vae trained/vae.npz --record_dir "$R" --episodes 100
  "$PY" vae_check.py --vae "$W/tf_vae/vae.npz" --record_dir "$R" --episodes 100
done
# 3. the series with the new V, for training and held out
[[ -f "$W/series/series.npz" ]] || "$PY" series.py
[[ -f "$W/held/series/series.npz" ]] || CARRACING_WORKDIR="$W/held" "$PY" series.py --vae "$W/tf_vae/vae.npz"
# 4. M: 40 "epochs" of 100 steps of 100 episodes x 999 frames = the original's 4,000 steps
if [[ ! -f "$W/tf_rnn/checkpoint.json" && -f "$HERE/state/m_checkpoint/checkpoint.json" ]]; then
  mkdir -p "$W/tf_rnn" && cp "$HERE"/state/m_checkpoint/* "$W/tf_rnn/"
fi
mkdir -p "$W/snapshots"
cp -n "$HERE"/state/snapshots/*.npz "$W/snapshots/" 2>/dev/null || true  # committed snapshots (step 200)
# the held-out NLL before any training: M as rnn_train.py initialises it (keras seed 0), not trained
if [[ ! -f "$W/snapshots/rnn_step0.npz" ]]; then
  PYTHONPATH="$C/.." "$PY" - "$W/snapshots/rnn_step0.npz" <<'PY'
import sys
import keras
from carracing.config import SPEC
from worldmodels import keras_mdnrnn
keras.utils.set_random_seed(0)  # rnn_train.py's --seed default, set before the model is built
model = keras_mdnrnn.build_mdnrnn(SPEC.rnn)
model.build((None, None, SPEC.rnn.input_size))
keras_mdnrnn.get_weights(model).save(sys.argv[1], SPEC.rnn)
PY
  "$PY" rnn_check.py --rnn "$W/snapshots/rnn_step0.npz" --series "$W/held/series/series.npz" --episodes 100
fi
epochs_done() {
  "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["epochs_done"])' "$W/tf_rnn/checkpoint.json" \
    2>/dev/null || echo 0
}
for E in 2 10 40; do
  S="$W/snapshots/rnn_step$((E * 100)).npz"
  [[ -f "$S" ]] && continue
  if [[ "$(epochs_done)" -gt "$E" ]]; then echo "M is past $E epochs: no snapshot at $((E * 100)) steps"; continue; fi
  "$PY" rnn_train.py --epochs $E
  cp "$W/tf_rnn/rnn.npz" "$S"
  "$PY" rnn_check.py --rnn "$S" --series "$W/held/series/series.npz" --episodes 100
done
# the final M where the next steps read it (a new machine gets it from the committed snapshot)
[[ -f "$W/tf_rnn/rnn.npz" ]] || cp "$W/snapshots/rnn_step4000.npz" "$W/tf_rnn/rnn.npz"
