#!/usr/bin/env bash
# Train V, encode the series, train M: the three model steps in order [orig gpu_jobs.bash].
#
#   bash gpu_jobs.bash                      # Pong
#   bash gpu_jobs.bash --game Breakout      # the game options (--game, --full_action_space, --rgb)
#
# The arguments are passed to all three scripts, so give only the game options; run the scripts
# one by one to change budgets (see README.md). Each step resumes from its checkpoint when re-run.
# Use KERAS_BACKEND=jax on a GPU box.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$HERE/../worldmodels/scripts/model_steps.bash" "$HERE" "$@"
