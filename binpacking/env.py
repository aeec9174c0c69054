"""Play online bin packing yourself at a prompt (the same as ``python bin_packing_environment.py``).

    python env.py --distribution bounded_waste --items 20
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from binpacking.bin_packing_environment import main  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402

if __name__ == "__main__":
    cli_main(main)
