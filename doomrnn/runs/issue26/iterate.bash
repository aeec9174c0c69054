#!/usr/bin/env bash
# Issue 26, items 3-4: C in the dream of run.bash's M, then the paper's iterative training (sec. 5).
# Re-running resumes: a round whose files exist is skipped, train.py resumes its generations.
#
#   WORKDIR=/work/doom26 bash doomrnn/runs/issue26/iterate.bash 2          # rounds 0, 1 and 2
#   WORKDIR=/work/doom26 GENERATIONS=10 ROUND_EPISODES=100 bash doomrnn/runs/issue26/iterate.bash 1
#   ... iterate.bash 1 -n 8 -e 4        # options after the count go to train.py
#
# Round 0: C evolved in the dream of run.bash's M (WORKDIR/tf_rnn, copied to WORKDIR/iter/0/rnn.npz
#   once: M0), starting from START_C (default state/start_c.best.json: the C shipped until 2026-12-06,
#   fixed so that a later ship does not move the start), GENERATIONS generations at TAU.
# Round i >= 1: C_{i-1} plays ROUND_EPISODES real episodes (a ~ U(-1, 1) on a frame with probability
#   0.1) into WORKDIR/iter/i/record, encoded into WORKDIR/iter/i/series (the random ones are not
#   re-encoded); M trains ROUND_EPOCHS more epochs on the random episodes and every round's so far
#   (rnn_train.py --add_series; its held-out NLL still logged) -> M_i, and C_i evolves from C_{i-1}
#   in M_i's dream.
# After each round: its C with its M in the gap table (OUT, gap.bash: dream at tau 1.00 and 1.15, and
#   the real game, 100 episodes each on seeds 1000..1099; these seeds choose between rounds, so the
#   shipped figure comes from other seeds).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="$(cd "$HERE/../.." && pwd)"
PY="$D/../.venv/bin/python"
if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: WORKDIR=DIR bash iterate.bash ROUNDS [train.py options]   (after WORKDIR=DIR bash run.bash)" >&2
  exit 2
fi
ROUNDS="$1"
shift
export DOOMRNN_WORKDIR="${WORKDIR:?set WORKDIR to the folder of run.bash}"
W="$DOOMRNN_WORKDIR"
[[ -f "$W/tf_rnn/rnn.npz" ]] || { echo "error: no M in $W/tf_rnn: run WORKDIR=$W bash $HERE/run.bash first" >&2; exit 2; }
TAU="${TAU:-1.15}"                      # the paper's setting [paper tab. 2]
GENERATIONS="${GENERATIONS:-30}"        # per round (the shipped C: 30 generations at tau 1.00)
ROUND_EPISODES="${ROUND_EPISODES:-400}" # 10 % of run.bash's 4,000 random episodes
ROUND_EPOCHS="${ROUND_EPOCHS:-5}"
OUT="${OUT:-$W/gap.tsv}"
VAE="$W/tf_vae/vae.npz"
INITIAL_Z="$W/tf_initial_z/initial_z.json"
if "$PY" -c 'import jax' 2>/dev/null; then export KERAS_BACKEND=jax; fi
cd "$D"
PREV="${START_C:-$HERE/state/start_c.best.json}"  # round 0 starts from the C shipped until 2026-12-06
for ((I = 0; I <= ROUNDS; I++)); do
  R="$W/iter/$I"
  mkdir -p "$R"
  if [[ ! -f "$R/rnn.npz" ]]; then
    if ((I > 0)); then
      if [[ ! -f "$R/m_epochs" ]]; then  # M's epochs after this round, fixed once
        DONE=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["epochs_done"])' "$W/tf_rnn/checkpoint.json")
        echo $((DONE + ROUND_EPOCHS)) > "$R/m_epochs"
      fi
      HALF=$(((ROUND_EPISODES + 1) / 2))  # two workers, one a core
      PIDS=()
      for K in 0 1; do
        DOOMRNN_WORKDIR="$R" "$PY" extract.py --controller "$PREV" --explore 0.1 --vae "$VAE" \
          --rnn "$W/iter/$((I - 1))/rnn.npz" --num_episodes "$HALF" --worker $((200 + 2 * I + K)) \
          --seed $((200 + 2 * I + K)) --no_progress &
        PIDS+=($!)
      done
      for P in "${PIDS[@]}"; do wait "$P"; done  # set -e: a failed worker stops the round
      [[ -f "$R/series/series.npz" ]] || DOOMRNN_WORKDIR="$R" "$PY" series.py --vae "$VAE"
      ADD=()
      for ((J = 1; J <= I; J++)); do ADD+=("$W/iter/$J/series/series.npz"); done
      "$PY" rnn_train.py --epochs "$(cat "$R/m_epochs")" --add_series "${ADD[@]}" \
        --held_out "$W/held/series/series.npz" --held_out_episodes 210
    fi
    cp "$W/tf_rnn/rnn.npz" "$R/rnn.npz.tmp" && mv "$R/rnn.npz.tmp" "$R/rnn.npz"
  fi
  if [[ ! -f "$R/done" ]]; then
    "$PY" train.py --temperature "$TAU" --log_dir "$R" --rnn "$R/rnn.npz" --initial_z "$INITIAL_Z" \
      --init_from "$PREV" --eval_steps 10 -g "$GENERATIONS" "$@"
    touch "$R/done"
  fi
  BEST=$(ls "$R"/doomrnn.cma.*.best.json 2>/dev/null | head -1)  # the name carries -e and the population
  [[ -n "$BEST" ]] || { echo "error: train.py wrote no best.json in $R: evaluate at least once (--eval_steps)" >&2; exit 2; }
  INITIAL_Z="$INITIAL_Z" VAE="$VAE" OUT="$OUT" bash "$HERE/gap.bash" "round $I (tau $TAU):$BEST:$R/rnn.npz"
  PREV="$BEST"
done
