#!/usr/bin/env bash
# Issue 26, item 3: the dream-to-real gap. Each controller, with the M it was trained with, plays
# 100 episodes (seeds 1000..1099) in M's dream at tau 1.00 and 1.15 and 100 in the real game; one
# row per controller goes to OUT (TSV: label, M, dream 1.00 mean/std, dream 1.15 mean/std, real
# mean/std). Rows already in OUT are kept (re-running resumes). Add controllers as
# "label:controller.json:rnn.npz" arguments; without arguments, the shipped ones and C = 0 (stands still).
# V and the dream's first frames: VAE and INITIAL_Z (default: the shipped trained/vae.npz, initial_z.json);
# EPISODES (default 100) per score, for a quick look.
#
#   bash doomrnn/runs/issue26/gap.bash
#   OUT=gap.tsv bash doomrnn/runs/issue26/gap.bash "tau1.15:log/tau1.15/doomrnn.cma.16.64.best.json:tf_rnn/rnn.npz"
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
D="$(cd "$HERE/../.." && pwd)"
PY="$D/../.venv/bin/python"
cd "$D"
OUT="${OUT:-$HERE/gap.tsv}"
ZERO="$HERE/zero_controller.json"   # C = 0: a = tanh(0) = 0, which the game reads as "stand still"
[[ -f "$ZERO" ]] || "$PY" -c 'import json, sys; json.dump([[0.0] * 1088, 0.0], open(sys.argv[1], "w"))' "$ZERO"
if [[ $# -eq 0 ]]; then
  set -- "shipped (dream, tau 0.50):trained/doomrnn.cma.16.64.best.json:trained/rnn.npz" \
         "real-trained:trained/real/doomreal.cma.8.24.best.json:trained/real/rnn.npz" \
         "C = 0 (stands still):$ZERO:trained/rnn.npz"
fi
EPISODES="${EPISODES:-100}"
mean_std() { awk '/average_reward/ {print $4 "\t" $6}' ; }
touch "$OUT"
for ENTRY in "$@"; do
  IFS=: read -r LABEL CTRL RNN <<< "$ENTRY"
  if cut -f1 "$OUT" | grep -qxF "$LABEL"; then continue; fi
  FILES=(--vae "${VAE:-trained/vae.npz}" --rnn "$RNN" --initial_z "${INITIAL_Z:-trained/initial_z.json}")
  ROW="$LABEL	$RNN"
  for TAU in 1.00 1.15; do
    ROW+="	$("$PY" model.py doomrnn norender "$CTRL" 1000 --episodes "$EPISODES" --temperature "$TAU" "${FILES[@]}" | mean_std)"
  done
  ROW+="	$("$PY" model.py doomreal norender "$CTRL" 1000 --episodes "$EPISODES" --procs 2 "${FILES[@]}" | mean_std)"
  echo "$ROW" >> "$OUT"
  echo "$ROW"
done
