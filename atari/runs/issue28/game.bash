#!/usr/bin/env bash
# Issue 28, item 2: one more game (Breakout, Seaquest, SpaceInvaders) through the shipped Pong recipe
# (README.md, "Pong at full size"), from random-policy episodes to a scored C. Every step resumes or
# is skipped when done; re-run the same command.
#
#   GAME=Breakout WORKDIR=/work/atari28 bash atari/runs/issue28/game.bash
#   GAME=Breakout GENS=80 WORKDIR=/work/atari28 bash atari/runs/issue28/game.bash   # more generations
#
# Steps: 300 random-policy episodes (extract.bash) and 20 held-out ones (worker 99, never trained
# on); V (vae_train.py, the shipped budget); series; M (rnn_train.py, reward and done heads, epochs
# of 10 batches, at most M_EPOCHS of them, stopped when its held-out NLL is flat: 300 episodes are
# only 1-3 batches of 100 x 500, and epochs of one batch stopped on noise after 10 steps); C in the real game (population 32 x 2 episodes
# on common seeds, GENS generations, training episodes capped at MAX_STEPS steps so that a C which
# never serves in Breakout does not play 4,500 steps); then the score of best.json over 100 episodes
# on seeds 0..99 (never used in training or selection: training seeds and the seeds that choose
# best.json are drawn from [0, 2^31) per generation) and the random agent on the same seeds.
# Outputs under WORKDIR (git-ignored, default atari/runs/issue28/work): <game>/{record,tf_vae,series,
# tf_initial_z,tf_rnn}/, <game>/score_seed0.txt, <game>/random_seed0.txt, held/<game>/ and
# log/<game>.cma.2.32.*. `python ship.py` then copies an agent into trained/<game>/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A="$(cd "$HERE/../.." && pwd)"
PY="$A/../.venv/bin/python"
GAME="${GAME:?set GAME, e.g. GAME=Breakout}"
GENS="${GENS:-50}"
M_EPOCHS="${M_EPOCHS:-20}"
MAX_STEPS="${MAX_STEPS:-2000}"
G=(--game "$GAME")
VARIANT="$("$PY" -c "import sys; sys.path.insert(0, '$A/..'); from atari.config import variant; print(variant(sys.argv[1]))" "$GAME")"
export ATARI_WORKDIR="${WORKDIR:-$HERE/work}"
W="$ATARI_WORKDIR"
mkdir -p "$W/$VARIANT"
cd "$A"
echo "== $GAME ($VARIANT) in $W"
bash extract.bash -w 2 -e 300 -- --no_progress "${G[@]}"
ATARI_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes 20 --no_progress "${G[@]}"
"$PY" vae_train.py "${G[@]}"
VAE="$W/$VARIANT/tf_vae/vae.npz"
[[ -f "$W/$VARIANT/series/series.npz" ]] || "$PY" series.py "${G[@]}"
[[ -f "$W/held/$VARIANT/series/series.npz" ]] || ATARI_WORKDIR="$W/held" "$PY" series.py --vae "$VAE" "${G[@]}"
"$PY" rnn_train.py --epochs "$M_EPOCHS" --steps_per_epoch 10 --held_out "$W/held/$VARIANT/series/series.npz" --until_flat "${G[@]}"
FILES=(--vae "$VAE" --rnn "$W/$VARIANT/tf_rnn/rnn.npz" --initial_z "$W/$VARIANT/tf_initial_z/initial_z.json")
"$PY" train.py -n 32 -e 2 --common_seeds --eval_steps 10 --num_eval 32 -g "$GENS" --max_steps "$MAX_STEPS" \
  "${FILES[@]}" "${G[@]}"
SCORE="$W/$VARIANT/score_seed0.txt"
BEST="$W/log/$VARIANT.cma.2.32.best.json"
if [[ ! -s "$SCORE" || "$BEST" -nt "$SCORE" ]]; then  # scored again after more generations (GENS raised)
  "$PY" model.py real norender "$BEST" 0 --procs 2 "${FILES[@]}" "${G[@]}" > "$SCORE.tmp"
  mv "$SCORE.tmp" "$SCORE"
fi
RANDOM_SCORE="$W/$VARIANT/random_seed0.txt"
if [[ ! -s "$RANDOM_SCORE" ]]; then
  "$PY" env.py --random 100 --seed 0 "${G[@]}" > "$RANDOM_SCORE.tmp" 2>&1
  mv "$RANDOM_SCORE.tmp" "$RANDOM_SCORE"
fi
echo "== $GAME: C $(tail -1 "$SCORE"); random: $(tail -1 "$RANDOM_SCORE")"
