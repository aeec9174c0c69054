"""Does V encode the ball and the paddles? Linear probes from z to the game's RAM on held-out episodes.

    python probe_v.py                               # the shipped Pong V, 20 random-policy episodes
    python probe_v.py --episodes 30 --seed 20000
    python probe_v.py --vae pong/tf_vae/vae.npz     # your own V
    python probe_v.py --rnn trained/pong/rnn.npz    # also [z, h]: what C reads (h from M)
    python probe_v.py --episodes 2 --max_steps 200  # a quick check (what tests/atari/test_probe_v.py runs)

Plays ``--episodes`` episodes of the game through this project's environment (the frames V was
trained on, under the protocol of Machado et al. 2018: worldmodels/envs/atari.py) with the
extraction policy (a random action held 1..--max_hold steps, as extract.py), episode k on seed
S + k, and records at every step V's input frame (64x64) and the ALE's RAM after the step that
produced it. V encodes each frame (z = mu), and ridge regressions (worldmodels.probe: the penalty
chosen on the last quarter of the fitting rows) read each RAM coordinate from

* z_t, V's code of the frame (what C sees besides h);
* [z_t, z_t-1], with the frame before (motion; z_-1 = z_0 at an episode's start);
* the frame itself, average-pooled --pool x --pool (default 4: 16x16 = 256 inputs), the reference:
  what a linear read-out of the picture achieves;
* with ``--rnn``, [z_t, h_t]: what C reads, h from M run over the episode as in a rollout
  (h_0 = 0, h_t+1 = M(z_t, a_t, h_t)), so a ball V draws poorly may still reach C through h;
* for the ball, the paddles' own RAM coordinates: Pong's opponent follows the ball (R^2 0.99 for the
  ball's row, measured), so a z that holds the opponent's paddle gives the ball's row without holding
  the ball. Each ball coordinate therefore gets a second row, "beyond paddles": what is left of it
  after a least-squares fit on the paddles' RAM, read from the same inputs.

The first 75 % of the episodes fit the probes, the last 25 % score them (R^2, held-out). The ball's
coordinates are fitted and scored only on the rows where the ball is on the screen (the RAM holds 0
for a coordinate while the ball is out of play, between points). A coordinate that never changes
(Pong's paddles never move sideways) is listed as constant. Prints a markdown table: target |
R^2 from z | R^2 from z_t, z_t-1 | R^2 from pixels | [R^2 from [z, h]] | R^2 from paddles (RAM) | rows (fit / held-out);
"-" where a probe does not apply (a paddle from the paddles) or has too few rows. The default run
(20 episodes, ~17,700 steps) takes ~20 CPU seconds.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

import numpy as np  # noqa: E402

from atari.config import MAX_HOLD, TRAINED, env_options, parse, spec_matching_rnn  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.config import EnvSpec, RolloutConfig  # noqa: E402
from worldmodels.fileio import WorldModelsError, atomic_write_json, cli_main  # noqa: E402
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402


@dataclass(frozen=True)
class RamTarget:
    name: str
    address: int
    ball: bool = False
    """A coordinate of the ball: probed only on rows where the ball is on the screen (no coordinate 0)."""


RAM_TARGETS: dict[str, tuple[RamTarget, ...]] = {
    # Pong's RAM addresses [Anand et al. 2019, "Unsupervised State Representation Learning in Atari",
    # the Atari Annotated RAM Interface (AtariARI), atariari/benchmark/ram_annotations.py]. Measured
    # here (one episode): ball_x and ball_y are 0 while the ball is out of play, and are linear in the
    # ball's pixel column and row in V's 64x64 frame (correlation 0.98 and 0.995).
    "pong": (RamTarget("player_y", 51), RamTarget("enemy_y", 50),
             RamTarget("ball_x", 49, ball=True), RamTarget("ball_y", 54, ball=True),
             RamTarget("enemy_x", 45), RamTarget("player_x", 46)),
}

EPISODES = 20         # ~880 steps each with the random policy (README.md): ~17k rows, ~1 CPU minute to play
SEED_DEFAULT = 10_000  # episodes unlike extraction's (those draw their env seeds from SeedSequence([worker seed, i]))
HELD_OUT = 0.25       # the last quarter of the episodes scores the probes
POOL = 4              # 64x64 -> 16x16 = 256 pixel inputs, about the size of [z_t, z_t-1] x 4
BATCH = 256           # frames per V call
FEATURES = ("z", "z, z_prev", "pixels")  # the table's first three R^2 columns, in order
ZH = "z, h"  # with --rnn, a column after them: [z_t, h_t], what C reads
PADDLES = "paddles"  # the last: the RAM of the targets that are not the ball (ball rows only)
HEADINGS = {"z": "R^2 from z", "z, z_prev": "R^2 from z_t, z_t-1", "pixels": "R^2 from pixels",
            ZH: "R^2 from [z, h]", PADDLES: "R^2 from paddles (RAM)"}


def play(args: argparse.Namespace, spec: EnvSpec, max_steps: int | None, addresses: list[int]
         ) -> list[dict[str, np.ndarray]]:
    """Episodes of the extraction policy: V's input frames (T, 64, 64, C), the RAM at each (T, A) and
    the one-hot action taken on each frame (T, actions)."""
    from worldmodels.envs.atari import RandomHoldPolicy, action_to_env, make_from_config

    env = make_from_config(env_options(args, max_steps))
    ale = env.unwrapped.ale  # ale-py's ALEInterface under StickyActions and AtariPreprocessing
    episodes = []
    try:
        for k in range(args.episodes):
            seed = args.seed + k
            policy = RandomHoldPolicy(np.random.default_rng([seed, 1]), spec.rnn.action_size, max_hold=args.max_hold)
            obs, _ = env.reset(seed=seed)
            frames, ram, actions = [obs], [ale.getRAM()[addresses]], []
            while True:
                action = policy(obs)
                actions.append(action)
                obs, _, terminated, truncated, _ = env.step(action_to_env(action))
                if terminated or truncated:  # the last frame is never one an action is taken on (extract.py)
                    break
                frames.append(obs)
                ram.append(ale.getRAM()[addresses])
            episodes.append({"frames": np.asarray(frames, np.uint8), "ram": np.asarray(ram, np.int64),
                             "action": np.asarray(actions, np.float32)})
    finally:
        env.close()
    return episodes


def features(episodes: list[dict[str, np.ndarray]], vae_path: Path, spec: EnvSpec, encoder: str, pool: int,
             rnn_path: Path | None = None) -> list[dict[str, np.ndarray]]:
    """Each episode's z_t, [z_t, z_t-1] and pooled pixels (float, one row per step), and with
    ``rnn_path`` [z_t, h_t]: M run over the episode as in a rollout (h_0 = 0, h_t+1 = M(z_t, a_t, h_t))."""
    from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
    from worldmodels.probe import hidden_states
    from worldmodels.vae import NumpyVAE, load_weights

    v = NumpyVAE(load_weights(vae_path, spec.vae), spec.vae, encoder=encoder)
    m = None
    if rnn_path is not None:
        rnn_spec = spec_matching_rnn(spec, rnn_path)  # with or without heads: the same h
        m = NumpyMDNRNN(RNNWeights.load(rnn_path, rnn_spec.rnn), rnn_spec.rnn)
    out = []
    for ep in episodes:
        frames = ep["frames"]
        z = np.concatenate([v.encode_mu_logvar(frames[i:i + BATCH])[0] for i in range(0, len(frames), BATCH)])
        z_prev = np.concatenate([z[:1], z[:-1]])  # z_-1 = z_0: the game stands still before the first step
        n, side, _, c = frames.shape
        pixels = frames.reshape(n, side // pool, pool, side // pool, pool, c).mean(axis=(2, 4)) / 255.0
        row = {"z": z, "z, z_prev": np.hstack([z, z_prev]), "pixels": pixels.reshape(n, -1)}
        if m is not None:
            row[ZH] = np.hstack([z, hidden_states(m, z, ep["action"])])
        out.append(row)
    return out


def _gather(arrays: list[np.ndarray], keep: list, part: slice) -> np.ndarray:
    """The kept rows of the episodes ``part`` of ``arrays`` (one array per episode), stacked."""
    return np.concatenate([a[m] for a, m in zip(arrays[part], keep[part])])


def probe_table(episodes: list[dict[str, np.ndarray]], feats: list[dict[str, np.ndarray]],
                targets: tuple[RamTarget, ...]) -> list[dict]:
    """One row per target: held-out R^2 from each feature set, and the rows fitted and scored.

    Each ball coordinate gets a second row, "<name> beyond paddles": what is left of it after a
    least-squares fit on the paddles' RAM (fitted on the fitting rows), read from the same features.
    Pong's opponent follows the ball, so its paddle alone gives the ball's row; this row asks whether
    z holds the ball itself."""
    from worldmodels.probe import fit_ridge, probe

    n_fit = len(episodes) - max(1, round(len(episodes) * HELD_OUT))  # by episode: no frame of a test episode is fitted
    fit, test = slice(0, n_fit), slice(n_fit, None)
    ball = [j for j, t in enumerate(targets) if t.ball]
    paddles = [j for j, t in enumerate(targets) if not t.ball]
    visible = [np.all(ep["ram"][:, ball] != 0, axis=1) for ep in episodes]  # 0 = the ball is out of play
    inputs = tuple(feats[0])  # FEATURES, and ZH with --rnn
    per_episode = {name: [f[name] for f in feats] for name in inputs}  # inputs, one array per episode
    per_episode[PADDLES] = [ep["ram"][:, paddles].astype(np.float64) for ep in episodes]
    table = []
    for j, target in enumerate(targets):
        keep = visible if target.ball else [slice(None)] * len(episodes)
        y_all = [ep["ram"][:, j].astype(np.float64)[:, None] for ep in episodes]
        names = inputs + ((PADDLES,) if target.ball else ())  # a paddle from the paddles: trivially 1
        x = {name: (_gather(per_episode[name], keep, fit), _gather(per_episode[name], keep, test)) for name in names}
        y_fit, y_test = _gather(y_all, keep, fit), _gather(y_all, keep, test)
        versions = [(target.name, y_fit, y_test)]
        if target.ball and len(y_fit) > 1:
            w, b = fit_ridge(x[PADDLES][0], y_fit, ridge=1e-9)  # ~least squares: 2 inputs, thousands of rows
            versions.append((f"{target.name} beyond paddles", y_fit - (x[PADDLES][0] @ w + b),
                             y_test - (x[PADDLES][1] @ w + b)))
        for name, y_a, y_b in versions:
            row = {"target": name, "address": target.address, "fit_rows": len(y_a), "test_rows": len(y_b),
                   "constant": None, **dict.fromkeys(inputs + (PADDLES,), math.nan)}
            values = np.unique(np.concatenate([y_a, y_b]))
            if len(values) == 1:
                row["constant"] = int(values[0])
            elif len(y_a) >= 8 and len(y_b) >= 2 and len(np.unique(y_a)) > 1:  # else too few rows: "-"
                features = {k: v for k, v in x.items() if k != PADDLES or name == target.name}
                row.update({r.features: r.test_r2 for r in probe(features, {name: (y_a, y_b)})})
            table.append(row)
    return table


def markdown(table: list[dict]) -> str:
    """target | R^2 from z | from z_t, z_t-1 | from pixels | [from [z, h]] | from paddles | rows."""
    def cell(row: dict, name: str) -> str:
        if row["constant"] is not None:
            return f"constant ({row['constant']})"
        return "-" if math.isnan(row[name]) else f"{row[name]:.3f}"

    names = tuple(name for name in HEADINGS if name in table[0])
    columns = ("target",) + tuple(HEADINGS[name] for name in names) + ("rows (fit / held-out)",)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table:
        lines.append(f"| {row['target']} (ram[{row['address']}]) | "
                     + " | ".join(cell(row, name) for name in names)
                     + f" | {row['fit_rows']:,} / {row['test_rows']:,} |")
    return "\n".join(lines)


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shipped = TRAINED / spec.name / "vae.npz"
    parser.add_argument("--vae", type=Path, default=shipped if shipped.is_file() else spec.paths.path("vae"),
                        help="V weights (default: the shipped V, else <game>/tf_vae/vae.npz: %(default)s)")
    parser.add_argument("--episodes", type=int_in(2), default=EPISODES,
                        help="the first 75%% fit the probes, the last 25%% score them (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=SEED_DEFAULT,
                        help="episode k plays seed S + k (default %(default)s)")
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: the game's own cap (4,500 steps)
    parser.add_argument("--max_hold", type=int_in(1), default=MAX_HOLD,
                        help="hold each random action 1..N steps (default %(default)s, as extract.py: V's data)")
    parser.add_argument("--pool", type=int, choices=(2, 4, 8), default=POOL,
                        help="the pixel reference: the frame average-pooled NxN (default %(default)s: 16x16)")
    parser.add_argument("--rnn", type=Path, default=None,
                        help="also probe [z, h] with this M (h: M run over the episode, as C sees it)")
    add_encoder_argument(parser)
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    return parser


def main(argv: list[str] | None = None) -> list[dict]:
    args, spec = parse(argv, make_parser)
    from worldmodels.envs.atari import resolve_game
    game = resolve_game(args.game)  # the ROM: the variant's options (--rgb, --dilate ...) keep its RAM
    if game not in RAM_TARGETS:
        raise WorldModelsError(f"RAM addresses are known for {', '.join(RAM_TARGETS)} only, not {game!r}")
    targets = RAM_TARGETS[game]
    max_steps = from_options(args, RolloutConfig()).max_steps or None  # checks >= 0; None: the game's cap
    start, cpu = time.perf_counter(), time.process_time()
    episodes = play(args, spec, max_steps, [t.address for t in targets])
    played = time.perf_counter() - start
    feats = features(episodes, args.vae, spec, args.encoder, args.pool, args.rnn)
    table = probe_table(episodes, feats, targets)
    steps = sum(len(ep["ram"]) for ep in episodes)
    ball = [j for j, t in enumerate(targets) if t.ball]
    off = sum(int(np.any(ep["ram"][:, ball] == 0, axis=1).sum()) for ep in episodes)
    print(f"V {args.vae}; {spec.name}, {args.episodes} episodes from seed {args.seed} (actions held 1..{args.max_hold}"
          f" steps), {steps:,} steps; ball off the screen on {off:,} ({off / max(steps, 1):.1%}); pixels pooled "
          f"{args.pool}x{args.pool}; {time.perf_counter() - start:.0f} s ({played:.0f} s playing), "
          f"{time.process_time() - cpu:.0f} CPU s")
    print(markdown(table))
    if args.json is not None:
        rows = [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()} for row in table]
        atomic_write_json(args.json, {"steps": steps, "ball_off_screen": off, "table": rows})  # nan -> null
    return table


if __name__ == "__main__":
    cli_main(main)
