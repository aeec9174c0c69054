#!/usr/bin/env bash
# Headless training of C in the real game, as the original's gce_train.bash [orig carracing/
# gce_train.bash: xvfb-run -a -s "-screen 0 1400x900x24 +extension RANDR" -- python train.py].
#
#   bash gce_train.bash                  # train.py with the original's defaults: CMA-ES, -n 64 -t 1,
#                                        # 16 episodes per candidate, the mean scored every 25 generations
#   bash gce_train.bash -n 32 -g 100     # any train.py option is passed on
#
# The original needed a virtual X display (xvfb) because gym 0.9's CarRacing drew with OpenGL; ours
# draws off-screen, so this runs train.py directly (it re-launches itself under the virtualenv's
# mpiexec) and says so on stderr.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=python3
if [[ -x "$HERE/../.venv/bin/python" ]]; then PY="$HERE/../.venv/bin/python"; fi
echo "gce_train.bash: headless, no xvfb-run needed: python train.py $*" >&2
exec "$PY" "$HERE/train.py" "$@"
