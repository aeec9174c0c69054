# Sourced by this folder's scripts: strict mode, HERE (this folder), C (carracing/), PY (the
# virtualenv's python), CARRACING_WORKDIR = W (WORKDIR, default HERE/work, git-ignored).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
C="$(cd "$HERE/../.." && pwd)"
PY="$C/../.venv/bin/python"
export CARRACING_WORKDIR="${WORKDIR:-$HERE/work}"
W="$CARRACING_WORKDIR"
