"""Matrix products whose every row comes out the same in any batch: the same episode whether a
worker holds 1 or 64 candidates.

numpy's ``a @ w`` goes through BLAS, and BLAS picks a code path by the product's size: numpy turns a
single-row product into a matrix-vector product (gemv), and OpenBLAS sends products of
M * N * K <= 100^3 to its small-matrix kernels [OpenBLAS kernel/x86_64/sgemm_small_kernel_permit_skylakex.c];
each path sums a row's dot products in its own order, so a row's last bits depend on how many rows
share the call. Every other batch size takes the general kernel, which sums each row's K terms in
the same order for any number of rows (measured: issue #30, tests/test_rowwise.py). ``RowwiseMatmul``
pads a product of fewer rows with zero rows up to the smallest size the general kernel takes, so
a row's result depends on that row alone. Padding costs nothing that matters: it only applies to
batches of a few rows.
"""

from __future__ import annotations

import numpy as np

SMALL_GEMM_LIMIT = 100 ** 3
"""Products of M * N * K up to this take OpenBLAS's small-matrix kernels on x86-64 (SkylakeX and
later) [OpenBLAS kernel/x86_64/sgemm_small_kernel_permit_skylakex.c]."""


def min_rows(w: np.ndarray) -> int:
    """The fewest rows of ``a`` for which ``a @ w`` takes BLAS's general kernel: 2 (1 is a gemv)
    and more than SMALL_GEMM_LIMIT / (K * N)."""
    k, n = w.shape
    return max(2, SMALL_GEMM_LIMIT // max(k * n, 1) + 1)


class RowwiseMatmul:
    """``a @ w`` for a fixed ``w`` (K, N), each row of the result independent of the other rows."""

    def __init__(self, w: np.ndarray):
        assert w.ndim == 2, w.shape
        self.w = w
        self.min_rows = min_rows(w)

    def __call__(self, a: np.ndarray) -> np.ndarray:
        if len(a) >= self.min_rows:
            return a @ self.w
        padded = np.zeros((self.min_rows, a.shape[1]), np.result_type(a, self.w))
        padded[:len(a)] = a
        return (padded @ self.w)[:len(a)]
