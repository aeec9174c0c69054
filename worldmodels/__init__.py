"""World Models (Ha & Schmidhuber 2018, arXiv 1803.10122): the shared core.

Nothing here imports an environment directory, and nothing runs at import time.
"""

__version__ = "0.1.0"
