"""A row's product, M's step and V's encoding come out the same, to the last bit, in any batch
(issue #30: the same episodes on any number of MPI workers)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.blas_platform import ROWWISE_NEEDS_AVX512
from worldmodels.mdnrnn import MixtureDraws, NumpyMDNRNN, RNNWeights
from worldmodels.rowwise import SMALL_GEMM_LIMIT, RowwiseMatmul, min_rows


def _specs():
    """The games' Ms (Atari's is CarRacing's with a one-hot action: spec() needs the ALE)."""
    from binpacking.config import SPEC as BINPACKING
    from carracing.config import SPEC as CARRACING
    from doomrnn.config import SPEC as DOOM
    return [DOOM, CARRACING, BINPACKING]


def _same_rows_in_any_batch(f, a: np.ndarray) -> list[tuple[int, int]]:
    """(batch size, first row) of the sub-batches of ``a`` whose rows ``f`` computes other than
    in the whole batch."""
    whole = f(a)
    n = len(a)
    return [(b, s) for b in range(1, n) for s in sorted({0, 1, n - b})
            if not np.array_equal(f(a[s:s + b]), whole[s:s + b])]


def test_min_rows_leaves_the_small_matrix_sizes():
    assert min_rows(np.zeros((579, 2048))) == 2  # Doom's LSTM: one row is a gemv
    assert min_rows(np.zeros((512, 961))) == 3   # Doom's mixture head: 2 x 512 x 961 <= 100^3
    w = np.zeros((256, 481))
    assert min_rows(w) * w.size > SMALL_GEMM_LIMIT >= (min_rows(w) - 1) * w.size


@ROWWISE_NEEDS_AVX512
@pytest.mark.parametrize("shape", [(579, 2048), (512, 961), (256, 481), (100, 300), (12, 32)])
def test_rowwise_matmul_rows_do_not_depend_on_the_batch(shape):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape).astype(np.float32)
    a = rng.standard_normal((40, shape[0])).astype(np.float32)
    assert _same_rows_in_any_batch(RowwiseMatmul(w), a) == []


@ROWWISE_NEEDS_AVX512
@pytest.mark.parametrize("spec", _specs(), ids=lambda s: s.name)
def test_m_steps_each_rollout_as_if_alone(spec):
    """Every shipped game's M (random weights of its sizes): the LSTM step and the dream's sampling
    of a rollout are the same in a batch of any size."""
    cfg = spec.rnn
    rng = np.random.default_rng(1)
    rnn = NumpyMDNRNN(RNNWeights.random(cfg, rng, scale=0.1), cfg)
    b = 24
    x = rng.standard_normal((b, cfg.input_size)).astype(np.float32)
    h = rng.standard_normal((b, cfg.hidden_units)).astype(np.float32)
    assert _same_rows_in_any_batch(lambda rows: rnn.lstm(x[rows], h[rows], h[rows])[0], np.arange(b)) == []
    draws_u = rng.random((b, cfg.z_size), dtype=np.float32)
    draws_n = rng.standard_normal((b, cfg.z_size), dtype=np.float32)

    def sample(rows):
        z, _, _ = rnn.sample_next(h[rows], 1.15, MixtureDraws(draws_u[rows], draws_n[rows]))
        return z

    assert _same_rows_in_any_batch(sample, np.arange(b)) == []


@ROWWISE_NEEDS_AVX512
@pytest.mark.parametrize("encoder", ["numpy", "onnx"])
def test_v_encodes_a_frame_the_same_in_any_batch(encoder):
    from doomrnn.config import SPEC
    from worldmodels.vae import NumpyVAE, random_weights
    if encoder == "onnx":
        pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(2)
    vae = NumpyVAE(random_weights(SPEC.vae, rng), SPEC.vae, encoder=encoder)
    frames = rng.integers(0, 256, (12, 64, 64, SPEC.vae.channels), dtype=np.uint8)
    assert _same_rows_in_any_batch(lambda f: np.concatenate(vae.encode_mu_logvar(f), axis=1), frames) == []
