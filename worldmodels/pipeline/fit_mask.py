"""M's mask head (``worldmodels.mask_head``), fitted on real transitions with M frozen.

Features and target, as the dream reads them (``worldmodels.dream``): on frame t, [z_t, h_t] with
z_t sampled from V's (mu, logvar) (as rnn_train.py feeds M and a real rollout encodes frames) and
h_t M's hidden state before the step (zero on an episode's first frame, else the h after M consumed
(z_{t-1}, a_{t-1})); target: the actions the game allowed on frame t (``Series.mask``, recorded by
extract.py from ``info["action_mask"]``).

The head is one logistic regression per action, fitted jointly by L-BFGS (scipy) with a small L2
penalty (relative to the features' mean variance, as fit_heads' done head). The last
``--validation`` share of the series' episodes is held out of the fit and scored, and so is
``--held_out`` (a series of episodes M never saw) when given.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from estool.arguments import SEED, float_in
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError, atomic_write_json
from worldmodels.mask_head import MaskHead, mask_path
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
from worldmodels.pipeline.fit_heads import hidden_after, series_z

logger = logging.getLogger(__name__)

L2 = 1e-4
"""Penalty on the weights, relative to the features' mean variance x rows: keeps an action that is
always valid (bin packing's new bag) at a finite logit."""


@dataclass(frozen=True)
class MaskReport:
    """A mask head's predictions against the recorded masks."""

    episodes: int
    steps: int
    accuracy: float
    """Share of (step, action) pairs predicted right."""
    exact: float
    """Share of steps whose whole mask is right."""
    false_allow: float
    """Share of the invalid (step, action) pairs predicted valid: moves the dream would let C make
    that the game forbids."""
    false_forbid: float
    """Share of the valid (step, action) pairs predicted invalid."""
    per_action: list[float]
    """Accuracy of each action's column."""

    def summary(self) -> str:
        worst = int(np.argmin(self.per_action))
        return (f"{self.episodes} episodes, {self.steps} steps: accuracy {self.accuracy:.4f} per action, "
                f"{self.exact:.4f} of the masks exact; invalid moves allowed {self.false_allow:.4f}, valid ones "
                f"forbidden {self.false_forbid:.4f}; worst action {worst} ({self.per_action[worst]:.4f})")


def evaluate_mask(valid: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float, float, list[float]]:
    """(accuracy, exact, false_allow, false_forbid, per_action) of bool masks (N, A)."""
    right = valid == predicted
    invalid = ~valid
    return (float(right.mean()), float(right.all(axis=1).mean()),
            float((predicted & invalid).sum() / max(int(invalid.sum()), 1)),
            float((~predicted & valid).sum() / max(int(valid.sum()), 1)), [float(x) for x in right.mean(axis=0)])


def mask_features(rnn: NumpyMDNRNN, series: Series, episodes: np.ndarray, z_mean: bool, seed: int, where: str,
                  batch: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """([z_t, h_t] (steps, z + H) float32, mask (steps, A) bool) of ``episodes`` of ``series`` laid end to end."""
    cfg = rnn.cfg
    if series.mask is None:
        raise WorldModelsError(f"{where} has no action masks: re-run extract.py (it records info['action_mask']) "
                               f"and series.py")
    if series.mask.shape[1] != cfg.action_size:
        raise WorldModelsError(f"{where}: masks have width {series.mask.shape[1]}, M has {cfg.action_size} actions")
    z, action, rows, starts, lengths = series_z(series, cfg, episodes, z_mean, seed, where)
    after = hidden_after(rnn, z, action, starts, lengths, batch)
    h = np.empty_like(after)  # h before step t: zero on a first frame, else h after step t - 1
    h[1:] = after[:-1]
    h[starts] = 0.0
    return np.concatenate([z, h], axis=1), series.mask[rows].astype(bool)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, max_iter: int = 300) -> tuple[MaskHead, int]:
    """Independent logistic regressions y[:, a] ~ sigmoid(x w_a + b_a), one L-BFGS over all of them."""
    from scipy.optimize import minimize

    n, f = x.shape
    a = y.shape[1]
    target = y.astype(np.float32)
    variance = float(np.mean(np.var(x, axis=0, dtype=np.float64)))
    penalty = l2 * max(variance, 1e-12) * n
    rate = np.clip(target.mean(axis=0), 1e-4, 1 - 1e-4)
    wb0 = np.zeros((f + 1, a))
    wb0[-1] = np.log(rate / (1.0 - rate))  # the intercepts at the base rates

    def loss_grad(flat: np.ndarray) -> tuple[float, np.ndarray]:
        wb = flat.reshape(f + 1, a)
        logit = x @ wb[:-1].astype(np.float32) + wb[-1].astype(np.float32)
        loss = float(np.sum(np.logaddexp(0.0, logit, dtype=np.float64)) - np.sum(target * logit, dtype=np.float64))
        loss += 0.5 * penalty * float(np.sum(wb[:-1] ** 2))
        r = (0.5 * (np.tanh(0.5 * logit) + 1.0) - target).astype(np.float32)
        grad = np.vstack([x.T @ r, r.sum(axis=0, dtype=np.float64)[None]]).astype(np.float64)
        grad[:-1] += penalty * wb[:-1]
        return loss, grad.ravel()

    result = minimize(loss_grad, wb0.ravel(), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    wb = result.x.reshape(f + 1, a)
    return MaskHead(w=wb[:-1].astype(np.float32), b=wb[-1].astype(np.float32)), int(result.nit)


@dataclass(frozen=True)
class FitMaskConfig:
    rnn: RNNConfig
    rnn_path: Path
    series_path: Path
    out: Path | None = None
    """Default: ``mask.npz`` beside M (``worldmodels.mask_head.mask_path``)."""
    held_out: Path | None = None
    validation: float = 0.1
    """Share of the series' episodes (the last ones) kept out of the fit and scored."""
    seed: int = 0
    z_mean: bool = False
    json: Path | None = None


def fit_mask(cfg: FitMaskConfig) -> tuple[Path, MaskReport, MaskReport | None]:
    """Fit, write and report: (path written, the validation episodes' report, --held_out's report)."""
    for path, what in ((cfg.rnn_path, "--rnn"), (cfg.series_path, "--series"), (cfg.held_out, "--held_out")):
        if path is not None and not Path(path).is_file():
            raise WorldModelsError(f"{what} {path} not found")
    rnn = NumpyMDNRNN(RNNWeights.load(cfg.rnn_path, cfg.rnn), cfg.rnn)
    series = Series.load(cfg.series_path)
    total = len(series.episode_lengths)
    val = max(1, int(round(total * cfg.validation)))
    if total - val < 1:
        raise WorldModelsError(f"the mask head needs episodes to fit and to validate on; {cfg.series_path} "
                               f"holds {total}")
    clock = time.time()
    x, y = mask_features(rnn, series, np.arange(total - val), cfg.z_mean, cfg.seed, str(cfg.series_path))
    head, iterations = fit_logistic(x, y)
    logger.info("mask head: %d L-BFGS iterations on %d steps in %.0f s", iterations, len(x), time.time() - clock)
    out = Path(cfg.out) if cfg.out is not None else mask_path(cfg.rnn_path)
    head.save(out, cfg.rnn)
    if not np.array_equal(MaskHead.load(out, cfg.rnn).logits(x[:8, :cfg.rnn.z_size], x[:8, cfg.rnn.z_size:]),
                          head.logits(x[:8, :cfg.rnn.z_size], x[:8, cfg.rnn.z_size:])):
        raise WorldModelsError(f"{out} does not read back as written")
    fit_acc = evaluate_mask(y, head.valid(x[:, :cfg.rnn.z_size], x[:, cfg.rnn.z_size:]))[0]
    del x, y
    print(f"mask head of M {cfg.rnn_path} fitted on {total - val} episodes of {cfg.series_path} "
          f"({iterations} L-BFGS iterations, fit accuracy {fit_acc:.4f}) -> {out}")
    report = score(head, rnn, series, np.arange(total - val, total), cfg.seed + 1, cfg.z_mean, str(cfg.series_path))
    print(f"validation (the last {val} episodes, not fitted): {report.summary()}")
    held = None
    if cfg.held_out is not None:
        held_series = Series.load(cfg.held_out)
        held = score(head, rnn, held_series, np.arange(len(held_series.episode_lengths)), cfg.seed + 2, cfg.z_mean,
                     str(cfg.held_out))
        print(f"held out ({cfg.held_out}): {held.summary()}")
    if cfg.json is not None:
        atomic_write_json(cfg.json, {"rnn": str(cfg.rnn_path), "series": str(cfg.series_path), "fitted": total - val,
                                     "iterations": iterations, "validation": vars(report),
                                     "held_out": None if held is None else vars(held)})
    return out, report, held


def score(head: MaskHead, rnn: NumpyMDNRNN, series: Series, episodes: np.ndarray, seed: int, z_mean: bool,
          where: str) -> MaskReport:
    x, y = mask_features(rnn, series, episodes, z_mean, seed, where)
    z = rnn.cfg.z_size
    accuracy, exact, false_allow, false_forbid, per_action = evaluate_mask(y, head.valid(x[:, :z], x[:, z:]))
    return MaskReport(episodes=len(episodes), steps=len(x), accuracy=accuracy, exact=exact, false_allow=false_allow,
                      false_forbid=false_forbid, per_action=per_action)


def script_main(description: str, rnn: RNNConfig, rnn_path: Path, series_path: Path,
                argv: list[str] | None = None) -> tuple[Path, MaskReport, MaskReport | None]:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rnn", type=Path, default=rnn_path, help="M (default %(default)s)")
    parser.add_argument("--series", type=Path, default=series_path,
                        help="real episodes with their masks (default %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="where the head goes (default: mask.npz beside --rnn)")
    parser.add_argument("--held_out", type=Path, default=None, help="a series M never saw, scored after the fit")
    parser.add_argument("--validation", type=float_in(0.0, 1.0, lo_open=True, hi_open=True), default=0.1,
                        help="share of the episodes kept out of the fit and scored (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0, help="z sampling seed (default %(default)s)")
    parser.add_argument("--z_mean", action="store_true", help="feed V's mu instead of a sampled z")
    parser.add_argument("--json", type=Path, default=None, help="also write the reports here")
    args = parser.parse_args(argv)
    return fit_mask(FitMaskConfig(rnn=rnn, rnn_path=args.rnn, series_path=args.series, out=args.out,
                                  held_out=args.held_out, validation=args.validation, seed=args.seed,
                                  z_mean=args.z_mean, json=args.json))


__all__ = ["MaskReport", "FitMaskConfig", "fit_mask", "fit_logistic", "mask_features", "evaluate_mask", "score",
           "script_main"]
