#!/usr/bin/env bash
# C trained inside M's dream, for one item distribution: the whole pipeline, resumable.
#
#   bash dream.bash perfect_pack                 # -> work/dream/perfect_pack/ (git-ignored)
#   BINPACKING_WORKDIR=/data/bp bash dream.bash linear_waste -g 200   # elsewhere; options go to train.py
#
# 1. extract.py: 400 episodes of the distribution (2 workers x 200 [orig: 200 per worker]) for M,
#    and 50 more (worker 99) held out for the mask head's score;
# 2. series.py with the shipped V (trained/vae.npz: the picture is the same for every
#    distribution, so V is not retrained);
# 3. rnn_train.py: M on this distribution's episodes alone (M draws the items in the dream, so it
#    must learn this distribution's); 20 epochs [paper A.2];
# 4. fit_mask.py: M's mask head, scored on the held-out episodes;
# 5. train.py: C in the dream (population 64 x 16 dreams); re-running resumes.
# Then play C in the real game (README.md, "C in the dream").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="$HERE/../.venv/bin/python"
[[ -x "$PY" ]] || PY=python
if [[ $# -lt 1 || "$1" == -* ]]; then
  echo "usage: bash dream.bash DISTRIBUTION [train.py options]   (perfect_pack, bounded_waste, linear_waste)" >&2
  exit 2
fi
DIST="$1"
shift
export BINPACKING_WORKDIR="${BINPACKING_WORKDIR:-$HERE/work/dream/$DIST}"
W="$BINPACKING_WORKDIR"
mkdir -p "$W"
cd "$HERE"
bash extract.bash -w 2 -e 400 -- --distribution "$DIST" --no_progress
BINPACKING_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes 50 --distribution "$DIST" \
  --no_progress
[[ -f "$W/series/series.npz" ]] || "$PY" series.py --vae trained/vae.npz
[[ -f "$W/held/series/series.npz" ]] || BINPACKING_WORKDIR="$W/held" "$PY" series.py --vae trained/vae.npz
"$PY" rnn_train.py
[[ -f "$W/tf_rnn/mask.npz" && "$W/tf_rnn/mask.npz" -nt "$W/tf_rnn/rnn.npz" ]] || \
  "$PY" fit_mask.py --held_out "$W/held/series/series.npz" --json "$W/tf_rnn/mask_report.json"
"$PY" train.py --distribution "$DIST" "$@"
