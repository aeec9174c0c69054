"""Check M on recorded episodes: how well it predicts the next z and, with a done head, whether
it fires where the game really ends.

This step replays the last N episodes of a series (their V means, teacher-forced: M is fed the true
z_t and a_t) and reports M's mean -log p(z_{t+1}) per z dimension and, for an M with a done head,
how often the done logit is > 0 on the death frames and on all other frames. Point ``--series`` at
episodes M was not trained on (a second workdir's series.py) for a held-out figure.

A dream can only teach C to survive if M's done head fires where the game really ends. (Doom, from
our runs: an M whose done head fired on 60% of deaths gave a dream where standing still survived
~1,900 steps; at 92% standing still died after ~340 steps, and C trained in that dream played the
real game well; doomrnn/README.md.)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from estool.arguments import int_in
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights, mdn_nll, split_output


@dataclass(frozen=True)
class RNNCheck:
    episodes: int
    frames: int
    z_nll: float
    """Mean -log p(z_{t+1} | h_t) per z dimension (nats), over every frame with a next frame."""
    done_head: bool
    """Whether M has a done head; the three counts below are 0 without one."""
    deaths: int
    """Episodes that ended in the game's terminal state (not at a step cap)."""
    deaths_hit: int
    """Deaths whose last frame has a done logit > 0."""
    false_alarm_rate: float
    """Share of the other frames with a done logit > 0."""

    def summary(self) -> str:
        text = f"M on the last {self.episodes} recorded episodes ({self.frames} frames): "
        if self.done_head:
            hit = self.deaths_hit / self.deaths if self.deaths else float("nan")
            text += (f"done logit > 0 on {self.deaths_hit} of {self.deaths} deaths ({hit:.1%}) and on "
                     f"{self.false_alarm_rate:.2%} of the other frames; ")
        return text + f"z NLL {self.z_nll:.4f} nats per dimension"


def check_rnn(rnn: NumpyMDNRNN, series: Series, episodes: int) -> RNNCheck:
    """Teacher-force the last ``episodes`` episodes of ``series`` through ``rnn`` (one batch)."""
    cfg = rnn.cfg
    if not 1 <= episodes <= len(series.episode_lengths):
        raise WorldModelsError(f"--episodes {episodes}: the series holds {len(series.episode_lengths)} episodes")
    starts = series.episode_starts[-episodes:]
    lengths = series.episode_lengths[-episodes:].astype(np.int64)
    died = np.ones(episodes, bool) if series.done is None else series.done[starts + lengths - 1] > 0
    h, c = rnn.initial_state(episodes)
    action = series.action.astype(np.float32).reshape(len(series.mu), -1)
    last = np.zeros(episodes, np.float32)   # the done logit on each episode's last frame
    alarms = nll_sum = 0.0
    for t in range(int(lengths.max())):
        live = t < lengths
        rows = np.minimum(starts + t, starts + lengths - 1)  # finished episodes repeat their last frame
        restart = np.full(episodes, 1.0 if t == 0 else 0.0, np.float32)
        h, c, y = rnn.step(series.mu[rows].astype(np.float32), action[rows], h, c, restart)
        ends = live & (t == lengths - 1)
        if cfg.done_head:
            logit = split_output(y, cfg).done_logit
            assert logit is not None  # M has a done head
            last[ends] = logit[ends]
            alarms += float(np.sum((logit > 0) & live & ~ends))
        has_next = live & ~ends
        if has_next.any():
            z_next = series.mu[rows[has_next] + 1].astype(np.float32)
            nll_sum += float(mdn_nll(split_output(y[has_next], cfg), z_next).sum())
    frames = int(lengths.sum())
    died &= cfg.done_head  # without a done head there is nothing to count
    return RNNCheck(episodes=episodes, frames=frames, done_head=cfg.done_head, deaths=int(died.sum()),
                    deaths_hit=int(np.sum(died & (last > 0))),
                    false_alarm_rate=alarms / max(1, frames - episodes),
                    z_nll=nll_sum / max(1, (frames - episodes) * cfg.z_size))


def script_main(description: str, cfg: RNNConfig, rnn_path: Path, series_path: Path,
                argv: list[str] | None = None) -> RNNCheck:
    """An environment's rnn_check.py: prints ``RNNCheck.summary()``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--episodes", type=int_in(1), default=60, help="the last N recorded episodes")
    parser.add_argument("--rnn", type=Path, default=rnn_path)
    parser.add_argument("--series", type=Path, default=series_path)
    args = parser.parse_args(argv)
    rnn = NumpyMDNRNN(RNNWeights.load(args.rnn, cfg), cfg)
    result = check_rnn(rnn, Series.load(args.series), args.episodes)
    print(result.summary())
    return result
