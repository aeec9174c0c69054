#!/usr/bin/env bash
# Issue 28, item 1: Pong with an M trained ~10x longer than the shipped one, so that h carries the
# ball to C. The shipped Pong recipe (README.md, "Pong at full size") with the shipped V (a V with
# moving pixels x100 did not see the ball better: EXPERIMENTS.md), M trained M_EPOCHS epochs
# (shipped: 20) with its NLL on held-out episodes after each, the probe of [z, h] (probe_v.py --rnn),
# then C in the real game. Every step resumes or is skipped when done; re-run the same command.
#
#   WORKDIR=/work/pong28 bash atari/runs/issue28/run.bash
#   WORKDIR=/work/pong28 M_EPOCHS=100 GENS=80 bash atari/runs/issue28/run.bash
#
# Outputs under WORKDIR (git-ignored, default atari/runs/issue28/work): pong/record (300 episodes) and
# held/pong/record (20 episodes, worker 99: never trained on), pong/series, pong/tf_rnn (held_out.json),
# probe.md, log/pong.cma.2.32.* (C: population 32 x 2 episodes on common seeds, GENS generations) and
# score_seed0.txt (100 episodes on seeds 0..99, never used in training or selection: training
# seeds are drawn from [0, 2^31) per generation, as are the seeds that choose best.json).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A="$(cd "$HERE/../.." && pwd)"
PY="$A/../.venv/bin/python"
export ATARI_WORKDIR="${WORKDIR:-$HERE/work}"
W="$ATARI_WORKDIR"
VAE="${VAE:-$A/trained/pong/vae.npz}"
M_EPOCHS="${M_EPOCHS:-200}"
GENS="${GENS:-80}"
mkdir -p "$W"
cd "$A"
bash extract.bash -w 2 -e 300 -- --no_progress
ATARI_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes 20 --no_progress
[[ -f "$W/pong/series/series.npz" ]] || "$PY" series.py --vae "$VAE"
[[ -f "$W/held/pong/series/series.npz" ]] || ATARI_WORKDIR="$W/held" "$PY" series.py --vae "$VAE"
"$PY" rnn_train.py --epochs "$M_EPOCHS" --held_out "$W/held/pong/series/series.npz" --until_flat
RNN="$W/pong/tf_rnn/rnn.npz"
if [[ ! -s "$W/probe.md" ]]; then
  "$PY" probe_v.py --vae "$VAE" --rnn "$RNN" > "$W/probe.md.tmp"
  mv "$W/probe.md.tmp" "$W/probe.md"
fi
cat "$W/probe.md"
FILES=(--vae "$VAE" --rnn "$RNN" --initial_z "$W/pong/tf_initial_z/initial_z.json")
"$PY" train.py -n 32 -e 2 --common_seeds --eval_steps 10 --num_eval 32 -g "$GENS" "${FILES[@]}"
SCORE="$W/score_seed0.txt"
if [[ ! -s "$SCORE" ]]; then
  "$PY" model.py real norender "$W/log/pong.cma.2.32.best.json" 0 --procs 2 "${FILES[@]}" > "$SCORE.tmp"
  mv "$SCORE.tmp" "$SCORE"
fi
tail -1 "$SCORE"
