"""worldmodels.play: the display check and the dream window (pygame on SDL's dummy video driver)."""

from __future__ import annotations

import numpy as np
import pytest

from worldmodels import play
from worldmodels.config import DreamConfig, RNNConfig
from worldmodels.dream import VectorDream
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights


def tiny_dream(max_steps: int) -> VectorDream:
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=8, use_restart=True, done_head=True)
    rng = np.random.default_rng(0)

    def r(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    w = RNNWeights(r(cfg.input_size, 32), r(8, 32), r(32), r(8, cfg.output_size), r(cfg.output_size))
    w.output_b[0] = -50.0  # the done head stays quiet: episodes end at the step cap
    mu = rng.standard_normal((5, 4)).astype(np.float32)
    return VectorDream(NumpyMDNRNN(w, cfg), mu, np.zeros_like(mu), DreamConfig(1.15, max_steps, 1.0), rng)


def test_has_display_follows_the_environment(monkeypatch):
    monkeypatch.setattr(play.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not play.has_display()
    monkeypatch.setenv("DISPLAY", ":0")
    assert play.has_display()


def test_dream_window_steps_the_dream_restarts_episodes_and_closes(monkeypatch, capsys):
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    dream = tiny_dream(max_steps=7)
    seen: list[np.ndarray] = []
    actions = iter([1.0, -1.0, 0.0] * 10)

    def decode(z):
        assert z.shape == (1, 4), z.shape
        seen.append(z.copy())
        return np.full((1, 64, 64, 3), 0.5, np.float32)

    def keys(pg, pressed):
        assert pg is pygame and pressed is not None
        if len(seen) == 19:  # as if the window were closed during the 20th frame
            pg.event.post(pg.event.Event(pg.QUIT))
        return np.array([next(actions)])

    play.dream_window(decode, dream, keys, fps=1000, title="test")
    assert len(seen) == 20
    assert not all(np.array_equal(seen[0], z) for z in seen[1:])  # M's z moves
    out = capsys.readouterr().out
    assert out.count("dream episode over: reward 7.0 in 7 steps") == 2, out  # 20 frames: two full episodes
