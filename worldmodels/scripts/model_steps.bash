#!/usr/bin/env bash
# The three model steps of one environment, in order [orig gpu_jobs.bash]: train V, encode the
# series, train M. Called by each environment's gpu_jobs.bash:
#
#   bash model_steps.bash ENV_DIR [ARGS...]     # ARGS go to all three scripts
#
# Each step resumes from its checkpoint when re-run; the first failing step stops the rest.
set -euo pipefail
env_dir="$1"
shift
PY=python3
if [[ -x "$env_dir/../.venv/bin/python" ]]; then PY="$env_dir/../.venv/bin/python"; fi
cd "$env_dir"
"$PY" vae_train.py "$@"
"$PY" series.py "$@"
"$PY" rnn_train.py "$@"
