#!/usr/bin/env bash
# Train V, encode the series, train M: the three model steps in order [orig gpu_jobs.bash].
# Each step resumes from its checkpoint when re-run; extra options are not passed through, so
# run the scripts one by one to change budgets (see README.md). Use KERAS_BACKEND=jax on a GPU box.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$HERE/../worldmodels/scripts/model_steps.bash" "$HERE"
