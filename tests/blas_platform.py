"""Where numpy's BLAS sums a row of ``a @ w`` the same way in any batch (``worldmodels/rowwise.py``).

RowwiseMatmul's padding rule was measured on OpenBLAS's SkylakeX kernels (Intel, AVX-512). On a CPU
without AVX-512 (seen 2026-12-06 on an AMD EPYC, OpenBLAS 0.3.31 "Haswell" kernels) a row's last bits
still depend on the batch size, for any padding tried (multiples of 1-48 rows), so the tests that
promise the same episode in any batch are expected to fail there until rowwise.py handles that BLAS.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def _has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


ROWWISE_NEEDS_AVX512 = pytest.mark.xfail(
    not _has_avx512(), strict=False,
    reason="batch-invariant rows are measured only on OpenBLAS's AVX-512 kernels; this CPU has no AVX-512 "
           "(tests/blas_platform.py)")
