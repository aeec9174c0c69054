#!/usr/bin/env bash
# Iterative training [paper sec. 5] of the dream-trained C, after bash dream.bash DISTRIBUTION:
# each iteration records 200 real episodes played by the current C (a random valid move with
# probability 0.1), adds them to M's data, trains M 10 more epochs on all of it, refits M's mask
# head, evolves C again in the new dream starting from the current one, and scores it in the
# real game on 20 selection episodes (seeds 1000..1019; the README's table uses seeds 0..99).
#
#   bash iterate.bash perfect_pack 3            # iterations 1..3 -> log/dream/perfect_pack/iter<i>/
#   bash iterate.bash perfect_pack 3 -g 20      # options after the count go to train.py
#   ROUND_EPISODES=100 ROUND_EPOCHS=3 bash iterate.bash perfect_pack 6 -g 5   # shorter rounds
#   VAE=work/capacity100/tf_vae/vae.npz bash iterate.bash perfect_pack_large 2 -g 20   # capacity 100:
#       20 episodes of 10,000 items a round (config.SIZES), the V dream.bash encoded with
#
# Re-running resumes: an iteration whose best.json exists is skipped.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="$HERE/../.venv/bin/python"
[[ -x "$PY" ]] || PY=python
if [[ $# -lt 2 || "$1" == -* ]]; then
  echo "usage: bash iterate.bash DISTRIBUTION ITERATIONS [train.py options]" >&2
  exit 2
fi
DIST="$1"
N="$2"
shift 2
export BINPACKING_WORKDIR="${BINPACKING_WORKDIR:-$HERE/work/dream/$DIST}"
W="$BINPACKING_WORKDIR"
LOG="$W/log/dream/$DIST"
PREV="$LOG/binpacking.cma.16.64.best.json"
[[ -f "$PREV" ]] || PREV="$LOG/binpacking.cma.16.64.json"  # a run stopped before its first evaluation: its mean
[[ -f "$PREV" ]] || { echo "error: no controller in $LOG: run bash dream.bash $DIST first" >&2; exit 2; }
cd "$HERE"
# the shipped V of the distribution's capacity and its episodes per round (config.SIZES)
SETTINGS=$(PYTHONPATH="$HERE/.." "$PY" -c 'import sys; from binpacking.config import print_dream_settings as p; p(sys.argv[1:])' "$DIST")
read -r SHIPPED_VAE _ _ ROUND <<< "$SETTINGS"
VAE="${VAE:-$SHIPPED_VAE}"
ROUND_EPISODES="${ROUND_EPISODES:-$ROUND}"  # real episodes of the current C per iteration (200 at capacity 9)
ROUND_EPOCHS="${ROUND_EPOCHS:-10}"       # M's further epochs per iteration
FIRST=$(PYTHONPATH="$HERE/.." "$PY" -c 'import binpacking.config as c; print(c.RNN_EPOCHS)' 2>/dev/null || echo 20)  # dream.bash's M
for ((I = 1; I <= N; I++)); do
  OUT="$LOG/iter$I"
  BEST="$OUT/binpacking.cma.16.64.best.json"
  if [[ ! -f "$BEST" ]]; then
    if [[ ! -f "$OUT/mask.npz" ]]; then  # this iteration's M and mask head, made once
      mkdir -p "$OUT"
      if [[ ! -f "$OUT/m_epochs" ]]; then  # M: ROUND_EPOCHS more epochs over old + new episodes (fixed once)
        DONE=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["epochs_done"])' \
          "$W/tf_rnn/checkpoint.json" 2>/dev/null || echo "$FIRST")
        echo $((DONE + ROUND_EPOCHS)) > "$OUT/m_epochs"
      fi
      EPOCHS=$(cat "$OUT/m_epochs")
      "$PY" extract.py --controller "$PREV" --explore 0.1 --vae "$VAE" --rnn "$W/tf_rnn/rnn.npz" \
        --distribution "$DIST" --num_episodes "$ROUND_EPISODES" --worker $((100 + I)) --seed $((100 + I)) --no_progress
      "$PY" series.py --vae "$VAE"
      "$PY" rnn_train.py --epochs "$EPOCHS"
      "$PY" fit_mask.py --held_out "$W/held/series/series.npz" --json "$W/tf_rnn/mask_report_iter$I.json"
      cp "$W/tf_rnn/rnn.npz" "$OUT/"
      cp "$W/tf_rnn/mask.npz" "$OUT/"
    fi
    # evaluate the mean every 5 generations, so that a short run writes its best.json
    "$PY" train.py --distribution "$DIST" --init_from "$PREV" --log_dir "$OUT" --rnn "$OUT/rnn.npz" \
      --eval_steps 5 "$@"
  fi
  echo "iteration $I: $BEST in the real game, seeds 1000..1019:"
  "$PY" model.py binpacking norender "$BEST" 1000 --episodes 20 --distribution "$DIST" --vae "$VAE" \
    --rnn "$OUT/rnn.npz" | tail -1
  PREV="$BEST"
done
