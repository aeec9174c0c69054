#!/usr/bin/env bash
# C trained inside M's dream, for one item distribution: the whole pipeline, resumable.
#
#   bash dream.bash perfect_pack                 # -> work/dream/perfect_pack/ (git-ignored)
#   BINPACKING_WORKDIR=/data/bp bash dream.bash linear_waste -g 200   # elsewhere; options go to train.py
#   VAE=work/capacity100/tf_vae/vae.npz bash dream.bash perfect_pack_large   # capacity 100, with that V
#
# 1. extract.py: 400 episodes of the distribution (2 workers x 200 [orig: 200 per worker]) for M,
#    and 50 more (worker 99) held out for the mask head's score (capacity 100: 40 and 5 of
#    10,000 items; config.SIZES);
# 2. series.py with the shipped V of the distribution's capacity (trained/vae.npz,
#    trained/capacity100/vae.npz; VAE=path overrides: the picture is the same for every
#    distribution of a capacity, so V is not retrained);
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
  echo "usage: bash dream.bash DISTRIBUTION [train.py options]   (perfect_pack, bounded_waste, linear_waste;" \
    "capacity 100: perfect_pack_large, bounded_waste_large)" >&2
  exit 2
fi
DIST="$1"
shift
cd "$HERE"
# the shipped V of the distribution's capacity and the episode counts (config.SIZES); a bad DIST: one line
SETTINGS=$(PYTHONPATH="$HERE/.." "$PY" -c 'import sys; from binpacking.config import print_dream_settings as p; p(sys.argv[1:])' "$DIST")
read -r SHIPPED_VAE EPISODES HELD _ <<< "$SETTINGS"
VAE="${VAE:-$SHIPPED_VAE}"
export BINPACKING_WORKDIR="${BINPACKING_WORKDIR:-$HERE/work/dream/$DIST}"
W="$BINPACKING_WORKDIR"
mkdir -p "$W"
bash extract.bash -w 2 -e "$EPISODES" -- --distribution "$DIST" --no_progress
BINPACKING_WORKDIR="$W/held" "$PY" extract.py --seed 99 --worker 99 --num_episodes "$HELD" --distribution "$DIST" \
  --no_progress
[[ -f "$W/series/series.npz" ]] || "$PY" series.py --vae "$VAE"
[[ -f "$W/held/series/series.npz" ]] || BINPACKING_WORKDIR="$W/held" "$PY" series.py --vae "$VAE"
"$PY" rnn_train.py
[[ -f "$W/tf_rnn/mask.npz" && "$W/tf_rnn/mask.npz" -nt "$W/tf_rnn/rnn.npz" ]] || \
  "$PY" fit_mask.py --held_out "$W/held/series/series.npz" --json "$W/tf_rnn/mask_report.json"
"$PY" train.py --distribution "$DIST" "$@"
