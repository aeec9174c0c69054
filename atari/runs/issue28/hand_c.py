"""A hand-made linear C on [z, h]: how far a linear read-out of this V and M gets Pong (issue 28).

    python runs/issue28/hand_c.py --rnn WORKDIR/pong/tf_rnn/rnn.npz --out WORKDIR/handc
    python model.py real norender WORKDIR/handc/hand_c_down_is_left.json 5000 --episodes 8 --procs 1 \\
        --rnn WORKDIR/pong/tf_rnn/rnn.npz --initial_z WORKDIR/pong/tf_initial_z/initial_z.json

Plays 30 random-policy episodes (seeds 30000..30029, as probe_v.py: actions held 1..4 steps), fits a
ridge regression from [z_t, h_t] to d = ball_y - player_y (Pong's RAM; rows where the ball is in
play) on the first 75 % and prints its held-out R^2. Then writes two controllers in train.py's
format, one per sign convention of the paddle's actions: the logit of one move is d, of the other
-d, NOOP's a constant 4 (RAM units), so the paddle moves toward the ball when it is more than 4
units away. A diagnostic, not an agent: it uses the RAM, which C never sees.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository root

import numpy as np  # noqa: E402

from atari import probe_v  # noqa: E402
from atari.config import TRAINED, spec_for, spec_matching_rnn  # noqa: E402

PLAYER_Y, BALL_Y = 51, 54  # Pong's RAM [AtariARI, probe_v.RAM_TARGETS]
NOOP, RIGHT, LEFT = 0, 2, 3  # Pong's minimal action set: NOOP FIRE RIGHT LEFT RIGHTFIRE LEFTFIRE
MARGIN = 4.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vae", type=Path, default=TRAINED / "pong" / "vae.npz")
    parser.add_argument("--rnn", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=30000)
    args = parser.parse_args()
    from worldmodels.probe import fit_ridge, r2

    spec = spec_matching_rnn(spec_for("Pong"), args.rnn)
    play_args = argparse.Namespace(episodes=args.episodes, seed=args.seed, max_hold=4, game="Pong",
                                   full_action_space=False, rgb=False)
    episodes = probe_v.play(play_args, spec, None, [PLAYER_Y, BALL_Y])
    # [z_t, h_t] exactly as probe_v.py --rnn builds it (z = mu; h from M run over the episode)
    feats = probe_v.features(episodes, args.vae, spec, "numpy", probe_v.POOL, args.rnn)
    xs, ys = [], []
    for ep, f in zip(episodes, feats):
        x = f[probe_v.ZH]
        ram = ep["ram"].astype(np.float64)
        seen = ram[:, 1] != 0  # the ball in play
        xs.append(x[seen])
        ys.append(ram[seen, 1] - ram[seen, 0])
    n_fit = len(episodes) * 3 // 4
    w, b = fit_ridge(np.concatenate(xs[:n_fit]), np.concatenate(ys[:n_fit]), ridge=1e-2)
    x_test, y_test = np.concatenate(xs[n_fit:]), np.concatenate(ys[n_fit:])
    print(f"d = ball_y - player_y from [z, h]: held-out R^2 {r2(y_test, x_test @ w + b):.3f} "
          f"({len(y_test)} rows of {len(episodes) - n_fit} episodes)")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, down in (("down_is_left", LEFT), ("down_is_right", RIGHT)):
        up = RIGHT if down == LEFT else LEFT
        weights = np.zeros((w.shape[0], spec.controller.output_size))
        bias = np.zeros(spec.controller.output_size)
        weights[:, down], bias[down] = w[:, 0], b[0]  # d > 0: the ball is below the paddle
        weights[:, up], bias[up] = -w[:, 0], -b[0]
        bias[NOOP] = MARGIN
        params = np.concatenate([bias, weights.reshape(-1)])  # worldmodels.controller.split_params' layout
        path = args.out / f"hand_c_{name}.json"
        path.write_text(json.dumps([params.tolist(), 0.0]))
        print(path)


if __name__ == "__main__":
    main()
