"""Does M's hidden state carry information? Linear probes from z alone vs [z, h] [issue 25, item 3].

C is linear in [z_t, h_t] [paper sec. 3.3], so what a linear map can read from h_t beyond z_t is what
M adds for C. A probe fits ridge regressions on training episodes and reports R^2 on held-out
episodes for targets such as the next reward, the next speed and the next z.

``hidden_states`` gives h_t as C sees it in a rollout: h_0 = 0 and h_{t+1} = LSTM(z_t, a_t, h_t)
(``NumpyMDNRNN.advance``), so h_t summarises frames and actions before t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worldmodels.mdnrnn import NumpyMDNRNN

RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
"""Ridge penalties tried, relative to the features' mean variance; the one with the best R^2 on the
last quarter of the training rows (later episodes) is refitted on all of them. h has 256 correlated
units, and a target like the reward is spiky, so an unpenalised fit learns the noise."""
VALIDATION = 0.25


def hidden_states(rnn: NumpyMDNRNN, z: np.ndarray, action: np.ndarray) -> np.ndarray:
    """h_t seen by C at each step of one episode: (T, z) and (T, a) -> (T, H), h_0 = 0."""
    h, c = rnn.initial_state(1)
    hs = np.empty((len(z), h.shape[1]), np.float32)
    for t in range(len(z)):
        hs[t] = h[0]
        h, c = rnn.advance(z[t:t + 1], action[t:t + 1], h, c)
    return hs


def fit_ridge(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Least squares with an intercept and a small ridge: returns (weights (F, K), bias (K,))."""
    x64, y64 = np.asarray(x, np.float64), np.asarray(y, np.float64).reshape(len(x), -1)
    mx, my = x64.mean(0), y64.mean(0)
    xc = x64 - mx
    gram = xc.T @ xc
    penalty = ridge * max(float(np.trace(gram)) / max(gram.shape[0], 1), 1e-12)
    w = np.linalg.solve(gram + penalty * np.eye(gram.shape[0]), xc.T @ (y64 - my))
    return w, my - mx @ w


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination over all target columns together (1 - SSE / SST)."""
    y64, p64 = np.asarray(y, np.float64).reshape(len(y), -1), np.asarray(pred, np.float64).reshape(len(y), -1)
    sst = float(((y64 - y64.mean(0)) ** 2).sum())
    return float("nan") if sst == 0 else 1.0 - float(((y64 - p64) ** 2).sum()) / sst


def choose_ridge(x: np.ndarray, y: np.ndarray, ridges: tuple[float, ...] = RIDGES) -> float:
    """The penalty whose fit on the first 75 % of the rows scores best on the last 25 %."""
    cut = int(len(x) * (1.0 - VALIDATION))
    scores = []
    for ridge in ridges:
        w, b = fit_ridge(x[:cut], y[:cut], ridge)
        scores.append(r2(y[cut:], x[cut:] @ w + b))
    return ridges[int(np.nanargmax(scores))]


@dataclass(frozen=True)
class ProbeResult:
    target: str
    features: str
    train_r2: float
    test_r2: float
    ridge: float


def probe(features: dict[str, tuple[np.ndarray, np.ndarray]], targets: dict[str, tuple[np.ndarray, np.ndarray]],
          ridges: tuple[float, ...] = RIDGES) -> list[ProbeResult]:
    """Every feature set against every target: ``{name: (train, test)}`` arrays with one row per step
    (in episode order). The test rows are never seen when fitting or choosing the penalty."""
    results = []
    for target, (y_train, y_test) in targets.items():
        for name, (x_train, x_test) in features.items():
            if len(x_train) != len(y_train) or len(x_test) != len(y_test):
                raise ValueError(f"probe {name} -> {target}: {len(x_train)}/{len(x_test)} feature rows for "
                                 f"{len(y_train)}/{len(y_test)} target rows")
            ridge = choose_ridge(x_train, y_train, ridges)
            w, b = fit_ridge(x_train, y_train, ridge)
            results.append(ProbeResult(target, name, r2(y_train, x_train @ w + b), r2(y_test, x_test @ w + b), ridge))
    return results
