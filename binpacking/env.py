"""Play online bin packing yourself (the same as ``python bin_packing_environment.py``).

    python env.py                                                # keyboard, in a window; needs a display
    python env.py --text --distribution bounded_waste --items 20    # at a prompt in this terminal
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from binpacking.bin_packing_environment import main  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402

if __name__ == "__main__":
    cli_main(main)
