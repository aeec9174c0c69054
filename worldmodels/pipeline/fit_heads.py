"""Reward and done heads for an M trained without them, fitted on its frozen hidden state.

M's output layer is linear in h: [done logit] + mixture parameters + [reward] (``mdnrnn.split_output``).
An M trained on z alone can be given the two head columns afterwards, fitted by linear models on
the h that M computes over a series, so its z prediction stays exactly as trained (every other
weight is copied bit for bit). What a dream needs from them (``worldmodels.dream``): the step's
reward and whether the step ended the episode (done logit > 0).

Alignment, as M is trained (``rnn_train.SequenceBatches.batch``) and as the dream reads it
(``h = advance(z_t, a_t, h)``, then ``sample_next(h)``): the output at step t comes from the h *after*
M consumed (z_t, a_t), and its targets are reward_t and done_t, the reward and end of the step that
action a_t took on frame t. The fit uses every step of every episode, its last one too: there the
done and the crash's -100 happen, which episode-aligned training masks out (the last frame has no
next z), so an M trained with heads that way never sees a positive done target.

z is sampled from (mu, logvar) with one generator (``seed``), as rnn_train feeds M and as a real
rollout encodes frames; ``z_mean`` feeds mu instead.

* reward head: ridge regression from [h, 1], on the steps that are not game ends (``fit_ends``:
  on all): a game end's reward is the game's terminal one (CarRacing: -100 for leaving the
  playfield), which the done head flags; fitted with it, a linear head spreads the rare -100s
  over the ordinary steps (CarRacing, M after 1,000 steps: held-out R^2 of the other steps -0.8
  instead of +0.1). The penalty (relative to h's mean variance, as
  ``worldmodels.probe``) is chosen on the last quarter of the episodes, then refitted on all.
* done head: logistic regression from [h, 1], positives weighted ``done_positive_weight`` as M's
  loss weights them [orig doomrnn.py: x10], a small fixed L2 penalty, L-BFGS (scipy).
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from estool.arguments import SEED, float_in, int_in
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError, atomic_write_json
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights, heads_config

logger = logging.getLogger(__name__)

RIDGES = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
"""Reward-head penalties tried, relative to h's mean variance (``worldmodels.probe.RIDGES`` and two smaller)."""
VALIDATION = 0.25
"""Share of the fitted episodes (the last ones) that choose the reward head's penalty."""
DONE_L2 = 1e-3
"""The done head's L2 penalty, relative to h's mean variance x the summed sample weights: keeps the
fit finite when a handful of ends are separable from the other steps."""
WINDOW = 20
"""Steps summed for the windowed reward R^2 (CarRacing's per-step reward is spiky: -0.1 a frame,
about +3 on a new tile)."""


def hidden_after(rnn: NumpyMDNRNN, z: np.ndarray, action: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                 batch: int = 100) -> np.ndarray:
    """M's h after each step, (sum(lengths), H) float32, row i of episode e = h after M consumed
    (z, a) of that episode's step i, from a zero state: what M's output layer reads at that step.
    ``z`` and ``action`` are laid end to end; episodes (``starts``, ``lengths``) run ``batch`` at a time."""
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    out = np.empty((int(offsets[-1]), rnn.cfg.hidden_units), np.float32)
    for b0 in range(0, len(starts), batch):
        s, n = starts[b0:b0 + batch], lengths[b0:b0 + batch]
        o = offsets[b0:b0 + len(s)]
        h, c = rnn.initial_state(len(s))
        for t in range(int(n.max())):
            rows = s + np.minimum(t, n - 1)  # finished episodes repeat their last step (ignored)
            h, c = rnn.advance(z[rows], action[rows], h, c)
            live = t < n
            out[o[live] + t] = h[live]
    return out


def _gram(x: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """[x, 1]^T [x, 1] in float64, by chunks of rows."""
    f = x.shape[1]
    g = np.zeros((f + 1, f + 1))
    for i in range(0, len(x), chunk):
        a = np.hstack([x[i:i + chunk].astype(np.float64), np.ones((len(x[i:i + chunk]), 1))])
        g += a.T @ a
    return g


def _xty(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.append(x.T.astype(np.float64) @ y.astype(np.float64), float(np.sum(y, dtype=np.float64)))


def _solve_ridge(gram: np.ndarray, xty: np.ndarray, ridge: float) -> np.ndarray:
    """Weights [w; b] minimising |[x,1] [w;b] - y|^2 + penalty |w|^2 (intercept not penalised);
    penalty = ridge x the features' mean variance x rows."""
    n, f = gram[-1, -1], gram.shape[0] - 1
    mean = gram[-1, :f] / n
    variance = (np.trace(gram[:f, :f]) - n * float(mean @ mean)) / f  # summed over rows
    penalty = np.zeros(f + 1)
    penalty[:f] = ridge * max(variance, 1e-12)
    return np.linalg.solve(gram + np.diag(penalty), xty)


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    y64, p64 = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    sst = float(((y64 - y64.mean()) ** 2).sum())
    return float("nan") if sst == 0 else 1.0 - float(((y64 - p64) ** 2).sum()) / sst


def fit_reward(h: np.ndarray, reward: np.ndarray, validation_rows: int, ridges: tuple[float, ...] = RIDGES
               ) -> tuple[np.ndarray, float, float]:
    """Ridge regression reward ~ [h, 1]: (weights [w; b] (H + 1,), the chosen penalty, its validation
    R^2). The penalty is the one whose fit on all rows but the last ``validation_rows`` scores best on those."""
    cut = len(h) - validation_rows
    if not 0 < cut < len(h):
        raise WorldModelsError(f"the reward head needs rows to fit and to validate on, got {len(h)} rows")
    g_fit, g_val = _gram(h[:cut]), _gram(h[cut:])
    b_fit, b_val = _xty(h[:cut], reward[:cut]), _xty(h[cut:], reward[cut:])
    scores = []
    for ridge in ridges:
        wb = _solve_ridge(g_fit, b_fit, ridge)
        scores.append(r2(reward[cut:], h[cut:] @ wb[:-1].astype(np.float32) + wb[-1]))
    best = int(np.nanargmax(scores)) if not np.all(np.isnan(scores)) else 0
    return _solve_ridge(g_fit + g_val, b_fit + b_val, ridges[best]), ridges[best], scores[best]


def fit_done(h: np.ndarray, done: np.ndarray, positive_weight: float, l2: float = DONE_L2, max_iter: int = 500
             ) -> tuple[np.ndarray, int]:
    """Weighted logistic regression done ~ sigmoid([h, 1] [w; b]), positives weighted ``positive_weight``
    (M's loss: (1 - d) * logit + (1 + (w - 1) d) * softplus(-logit)); (weights (H + 1,), iterations)."""
    from scipy.optimize import minimize

    y = (np.asarray(done) > 0.5).astype(np.float64)
    if y.sum() == 0:
        raise WorldModelsError("the series has no done step (no episode ended by the game): nothing to fit the "
                               "done head on")
    sample = 1.0 + (positive_weight - 1.0) * y
    f = h.shape[1]
    x = h.astype(np.float32, copy=False)
    variance = float(np.mean(np.var(x, axis=0, dtype=np.float64)))
    penalty = l2 * max(variance, 1e-12) * float(sample.sum())
    # start from the weighted base rate: the intercept alone
    p0 = float(np.sum(sample * y) / sample.sum())
    w0 = np.zeros(f + 1)
    w0[-1] = np.log(p0 / (1.0 - p0))

    def loss_grad(wb: np.ndarray) -> tuple[float, np.ndarray]:
        logit = x @ wb[:-1].astype(np.float32) + np.float32(wb[-1])
        logit = logit.astype(np.float64)
        # softplus(-l) and softplus(l) without overflow
        sp_neg = np.logaddexp(0.0, -logit)
        loss = float(np.sum(sample * ((1.0 - y) * logit + sp_neg))) + 0.5 * penalty * float(wb[:-1] @ wb[:-1])
        p = 0.5 * (np.tanh(0.5 * logit) + 1.0)
        r = sample * (p - y)
        grad = np.append(x.T @ r.astype(np.float32), r.sum()).astype(np.float64)
        grad[:-1] += penalty * wb[:-1]
        return loss, grad

    result = minimize(loss_grad, w0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter, "gtol": 1e-7})
    return result.x, int(result.nit)


def with_heads(weights: RNNWeights, cfg: RNNConfig, reward_wb: np.ndarray, done_wb: np.ndarray
               ) -> tuple[RNNWeights, RNNConfig]:
    """M's weights with a done column first and a reward column last; every other array and column
    is the same object / the same bits."""
    if cfg.done_head or cfg.reward_head:
        raise ValueError("with_heads takes an M without heads")
    heads = replace(cfg, done_head=True, reward_head=True)
    out_w = np.concatenate([done_wb[:-1, None], weights.output_w, reward_wb[:-1, None]], axis=1, dtype=np.float32)
    out_b = np.concatenate([[done_wb[-1]], weights.output_b, [reward_wb[-1]]], dtype=np.float32)
    out_w[:, 1:-1], out_b[1:-1] = weights.output_w, weights.output_b  # exact copies
    return replace(weights, output_w=out_w, output_b=out_b), heads


def without_heads(weights: RNNWeights, cfg: RNNConfig) -> RNNWeights:
    """M's weights with its head columns removed (``--refit``)."""
    start, stop = (1 if cfg.done_head else 0), cfg.output_size - (1 if cfg.reward_head else 0)
    return replace(weights, output_w=weights.output_w[:, start:stop], output_b=weights.output_b[start:stop])


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (rank statistic, ties averaged)."""
    pos, neg = int(label.sum()), int(len(label) - label.sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    # average ranks of ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[label > 0].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


@dataclass(frozen=True)
class HeadReport:
    """The heads teacher-forced over a series (every step of every episode)."""

    episodes: int
    steps: int
    reward_r2: float
    """R^2 of the per-step reward as a dream with both heads scores it: the reward head, and
    ``end_reward`` on the steps where the done head fires."""
    reward_r2_no_ends: float
    """The reward head's R^2 over the steps that are not a game end (without the crash's -100, whose 24 steps in
    CarRacing's 100 held-out episodes hold most of the reward's variance)."""
    window_r2: float
    """R^2 of that reward summed over non-overlapping ``WINDOW``-step windows of each episode."""
    total_corr: float
    """Pearson correlation, over episodes, of the true and the predicted total reward: the reward
    head's sum, with ``end_reward`` instead on the steps where the done head fires (what a dream
    scoring with both heads would add up)."""
    total_rank_corr: float
    """Spearman correlation of the same."""
    length_corr: float
    """Reference: Pearson correlation of the true total with the episode's length alone (what a
    teacher-forced sum gets for free: the dream's length comes from the done head instead)."""
    done_auc: float
    done_accuracy: float
    """Share of steps where (done logit > 0) equals done."""
    ends: int
    """Episodes ended by the game (done on the last step)."""
    ends_flagged: int
    """Of those, the ones whose last step has a done logit > 0."""
    false_alarms: int
    """Steps that are not a game end with a done logit > 0."""

    def summary(self) -> str:
        return (f"{self.episodes} episodes, {self.steps} steps: reward R^2 {self.reward_r2:.3f} per step, "
                f"{self.window_r2:.3f} over {WINDOW}-step sums, {self.reward_r2_no_ends:.3f} per step without the "
                f"ends; episode totals: correlation {self.total_corr:.3f} "
                f"(Spearman {self.total_rank_corr:.3f}; length alone {self.length_corr:.3f}); done: AUC "
                f"{self.done_auc:.3f}, accuracy {self.done_accuracy:.4f}, {self.ends_flagged} of {self.ends} ends "
                f"flagged, {self.false_alarms} false alarms")


def evaluate_heads(reward: np.ndarray, done: np.ndarray, pred_reward: np.ndarray, done_logit: np.ndarray,
                   lengths: np.ndarray, end_reward: float = 0.0) -> HeadReport:
    """Scores of predictions laid end to end like the series' steps (episodes of ``lengths``);
    ``end_reward``: the reward a game end is scored (the episode totals only)."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    scored = np.where(done_logit > 0, end_reward, pred_reward.astype(np.float64))
    total, pred_total = np.add.reduceat(reward.astype(np.float64), starts), np.add.reduceat(scored, starts)
    episode = np.repeat(np.arange(len(lengths)), lengths)
    window = episode * (int(lengths.max()) // WINDOW + 1) + (np.arange(len(reward)) - starts[episode]) // WINDOW
    _, window_id = np.unique(window, return_inverse=True)
    w_true = np.bincount(window_id, reward.astype(np.float64))
    w_pred = np.bincount(window_id, scored)
    label = np.asarray(done) > 0.5
    fires = done_logit > 0
    last = starts + lengths - 1

    def spearman(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])

    return HeadReport(
        episodes=len(lengths), steps=len(reward), reward_r2=r2(reward, scored),
        reward_r2_no_ends=r2(reward[~label], pred_reward[~label]), window_r2=r2(w_true, w_pred),
        total_corr=float(np.corrcoef(total, pred_total)[0, 1]) if len(lengths) > 1 else float("nan"),
        total_rank_corr=spearman(total, pred_total) if len(lengths) > 1 else float("nan"),
        length_corr=float(np.corrcoef(total, lengths)[0, 1]) if len(lengths) > 1 and np.ptp(lengths) else float("nan"),
        done_auc=_auc(done_logit.astype(np.float64), label), done_accuracy=float(np.mean(fires == label)),
        ends=int(label[last].sum()), ends_flagged=int((label[last] & fires[last]).sum()),
        false_alarms=int((fires & ~label).sum()))


def series_inputs(series: Series, cfg: RNNConfig, episodes: np.ndarray, z_mean: bool, seed: int, where: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, action, reward, done, starts, lengths) of the chosen ``episodes`` of ``series`` laid end to
    end (``starts`` re-based on them)."""
    if series.reward is None or series.done is None:
        raise WorldModelsError(f"{where} has no {'reward' if series.reward is None else 'done'} array: the heads "
                               f"are fitted on the recorded rewards and ends; re-run series.py on episodes "
                               f"recorded with them")
    z, action, rows, starts, lengths = series_z(series, cfg, episodes, z_mean, seed, where)
    return z, action, series.reward[rows].astype(np.float32), series.done[rows].astype(np.float32), starts, lengths


def series_z(series: Series, cfg: RNNConfig, episodes: np.ndarray, z_mean: bool, seed: int, where: str
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(z, action, rows, starts, lengths) of the chosen ``episodes`` of ``series`` laid end to end: z
    sampled from (mu, logvar) with ``seed`` (or mu, ``z_mean``), ``rows`` their rows in the series,
    ``starts`` re-based on them."""
    if series.mu.shape[1] != cfg.z_size:
        raise WorldModelsError(f"{where}: z has width {series.mu.shape[1]}, M expects {cfg.z_size}: "
                               f"was it encoded with another V?")
    action = series.action.astype(np.float32).reshape(len(series.mu), -1)
    if action.shape[1] != cfg.action_size:
        raise WorldModelsError(f"{where}: actions have width {action.shape[1]}, M expects {cfg.action_size}")
    starts, lengths = series.episode_starts[episodes], series.episode_lengths[episodes].astype(np.int64)
    rows = np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])
    mu = series.mu[rows].astype(np.float32)
    if z_mean:
        z = mu
    else:
        rng = np.random.default_rng(seed)
        z = mu + np.exp(series.logvar[rows].astype(np.float32) / 2.0) * rng.standard_normal(mu.shape, np.float32)
    new_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return z, action[rows], rows, new_starts, lengths


@dataclass(frozen=True)
class FitHeadsConfig:
    rnn: RNNConfig
    rnn_path: Path
    series_path: Path
    out: Path
    held_out: Path | None = None
    episodes: int = 0
    """Fit on the first N episodes of the series (0: all)."""
    seed: int = 0
    z_mean: bool = False
    fit_ends: bool = False
    """Fit the reward head on the game-end steps too (default: on the other steps only)."""
    refit: bool = False
    batch: int = 100
    json: Path | None = None


def fit_heads(cfg: FitHeadsConfig) -> tuple[Path, HeadReport | None]:
    """Fit, write ``cfg.out`` and check it; score on ``cfg.held_out`` if given."""
    for path, what in ((cfg.rnn_path, "--rnn"), (cfg.series_path, "--series"), (cfg.held_out, "--held_out")):
        if path is not None and not Path(path).is_file():
            raise WorldModelsError(f"{what} {path} not found")
    plain = replace(cfg.rnn, done_head=False, reward_head=False)
    has = heads_config(plain, cfg.rnn_path)
    if has.done_head:
        if not cfg.refit:
            raise WorldModelsError(f"M {cfg.rnn_path} already has reward and done heads; pass --refit to replace them")
        weights = without_heads(RNNWeights.load(cfg.rnn_path, has), has)
    else:
        weights = RNNWeights.load(cfg.rnn_path, plain)
    rnn = NumpyMDNRNN(weights, plain)
    series = Series.load(cfg.series_path)
    total = len(series.episode_lengths)
    if cfg.episodes > total:
        raise WorldModelsError(f"--episodes {cfg.episodes}: {cfg.series_path} holds {total} episodes")
    n = cfg.episodes or total
    if n < 2:
        raise WorldModelsError(f"the heads need at least 2 episodes (fit and validation), got {n}")
    z, action, reward, done, starts, lengths = series_inputs(series, plain, np.arange(n), cfg.z_mean, cfg.seed,
                                                             str(cfg.series_path))
    del series
    clock = time.time()
    h = hidden_after(rnn, z, action, starts, lengths, cfg.batch)
    logger.info("h of %d episodes (%d steps) in %.0f s", n, len(h), time.time() - clock)
    del z, action
    validation_rows = int(lengths[n - max(1, int(round(n * VALIDATION))):].sum())
    clock = time.time()
    keep = np.ones(len(h), bool) if cfg.fit_ends else done < 0.5
    reward_wb, ridge, val_r2 = fit_reward(h[keep], reward[keep], int(keep[len(h) - validation_rows:].sum()))
    logger.info("reward head: ridge %g (validation R^2 %.3f) in %.0f s", ridge, val_r2, time.time() - clock)
    clock = time.time()
    done_wb, iterations = fit_done(h, done, cfg.rnn.done_positive_weight)
    logger.info("done head: %d L-BFGS iterations in %.0f s", iterations, time.time() - clock)
    end_reward = float(reward[done > 0.5].mean())
    fitted, heads = with_heads(weights, plain, reward_wb, done_wb)
    fitted.save(cfg.out, heads)
    _check_written(cfg.out, weights, plain, h[:4], reward_wb, done_wb)
    fit_report = evaluate_heads(reward, done, h @ reward_wb[:-1].astype(np.float32) + np.float32(reward_wb[-1]),
                                h @ done_wb[:-1].astype(np.float32) + np.float32(done_wb[-1]), lengths, end_reward)
    print(f"M {cfg.rnn_path} + heads fitted on {n} of {total} episodes of {cfg.series_path} -> {cfg.out} "
          f"(reward ridge {ridge:g}, done {iterations} iterations; mean reward of a game end {end_reward:.2f})")
    print(f"fit: {fit_report.summary()}")
    del h
    report = None
    if cfg.held_out is not None:
        report = score(NumpyMDNRNN(fitted, heads), Series.load(cfg.held_out), cfg.seed + 1, cfg.z_mean,
                       str(cfg.held_out), cfg.batch, end_reward)
        print(f"held out ({cfg.held_out}): {report.summary()}")
    if cfg.json is not None:
        atomic_write_json(cfg.json, {"rnn": str(cfg.rnn_path), "series": str(cfg.series_path), "episodes": n,
                                     "fit_ends": cfg.fit_ends, "end_reward": end_reward, "ridge": ridge,
                                     "done_iterations": iterations, "fit": vars(fit_report),
                                     "held_out": None if report is None else vars(report)})
    return cfg.out, report


def score(rnn: NumpyMDNRNN, series: Series, seed: int, z_mean: bool, where: str, batch: int = 100,
          end_reward: float = 0.0) -> HeadReport:
    """An M with heads teacher-forced over every episode of ``series``: its head outputs scored."""
    cfg = rnn.cfg
    plain = replace(cfg, done_head=False, reward_head=False)
    z, action, reward, done, starts, lengths = series_inputs(series, plain, np.arange(len(series.episode_lengths)),
                                                             z_mean, seed, where)
    h = hidden_after(rnn, z, action, starts, lengths, batch)
    y = h @ rnn.output_w[:, [0, cfg.output_size - 1]] + rnn.output_b[[0, cfg.output_size - 1]]
    return evaluate_heads(reward, done, y[:, 1], y[:, 0], lengths, end_reward)


def _check_written(path: Path, before: RNNWeights, plain: RNNConfig, h: np.ndarray, reward_wb: np.ndarray,
                   done_wb: np.ndarray) -> None:
    """Reload ``path``: M's own weights bit-identical, and ``sample_next`` returns the fitted heads."""
    heads = heads_config(plain, path)
    loaded = RNNWeights.load(path, heads)
    same = [np.array_equal(getattr(loaded, k), getattr(before, k)) for k in ("kernel", "recurrent", "bias")]
    same += [np.array_equal(loaded.output_w[:, 1:-1], before.output_w),
             np.array_equal(loaded.output_b[1:-1], before.output_b)]
    _, done_logit, reward = NumpyMDNRNN(loaded, heads).sample_next(h, 1.0, np.random.default_rng(0))
    assert done_logit is not None and reward is not None
    ok = (all(same) and np.allclose(reward, h @ reward_wb[:-1] + reward_wb[-1], rtol=1e-4, atol=1e-4)
          and np.allclose(done_logit, h @ done_wb[:-1] + done_wb[-1], rtol=1e-4, atol=1e-4))
    if not ok:
        raise WorldModelsError(f"{path} does not read back as written (M's weights changed or the heads differ)")


def script_main(description: str, rnn: RNNConfig, rnn_path: Path, series_path: Path,
                argv: list[str] | None = None) -> tuple[Path, HeadReport | None]:
    """An environment's fit_heads.py."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--rnn", type=Path, default=rnn_path, help="M trained without heads (default: %(default)s)")
    parser.add_argument("--series", type=Path, default=series_path, help="its training series (with reward, done)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the M with heads goes (default: rnn_heads.npz beside --rnn)")
    parser.add_argument("--held_out", type=Path, default=None, help="a series M never saw: score the heads on it")
    parser.add_argument("--episodes", type=int_in(0), default=0, help="fit on the first N episodes (0: all)")
    parser.add_argument("--done_weight", type=float_in(0.0, lo_open=True), default=rnn.done_positive_weight,
                        help="weight of the done steps in the done head's loss (default: M's, %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0, help="z = mu + sigma * eps: the noise's seed")
    parser.add_argument("--z_mean", action="store_true", help="feed M z = mu instead of sampled z")
    parser.add_argument("--fit_ends", action="store_true",
                        help="fit the reward head on the game-end steps too (default: the other steps only)")
    parser.add_argument("--refit", action="store_true", help="replace the heads of an M that has them")
    parser.add_argument("--batch", type=int_in(1), default=100, help="episodes M runs at once")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    out = args.out or Path(args.rnn).with_name("rnn_heads.npz")
    if out.resolve() == Path(args.rnn).resolve():
        raise WorldModelsError(f"--out {out} is --rnn: write the M with heads to another file")
    return fit_heads(FitHeadsConfig(
        rnn=replace(rnn, done_positive_weight=args.done_weight), rnn_path=args.rnn, series_path=args.series,
        out=out, held_out=args.held_out, episodes=args.episodes, seed=args.seed, z_mean=args.z_mean,
        fit_ends=args.fit_ends, refit=args.refit, batch=args.batch, json=args.json))
