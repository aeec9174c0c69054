"""Evolution strategies for the controller C: optimisers (``estool.es``) and the MPI-parallel
training driver (``estool.train``).

Nothing here imports an environment directory, and nothing runs at import time: mpi4py is
imported only when a run actually goes parallel.
"""
