"""Play inside M's dream, as the original's ``python doomrnn.py`` did [orig doomrnn/doomrnn.py].

    python doomrnn.py                  # display: a window of V's decoding of M's dream; you dodge
                                       # with the arrows (random moves until you press one) [orig]
    python doomrnn.py                  # headless: the original's 40 dream episodes of the random
                                       # policy, each one's reward and the average printed
    python doomrnn.py --episodes 100 --seed 3 --temperature 1.0

The random policy is the original's: a ~ U(-1, 1), held for 1..10 frames, then redrawn. Episodes
end when M predicts death or after 2100 frames; the reward is the frames survived. M samples at
this folder's temperature (``--temperature``; the original's script used 1.25). To watch the
controller in the dream instead: ``python dream_model.py`` (a window, or a video headless).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from doomrnn.config import SHIPPED, SPEC  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402
from worldmodels.play import has_display  # noqa: E402

logger = logging.getLogger(__name__)

EPISODES = 40  # [orig doomrnn.py: for i in range(40)]
FPS = 35       # Doom's 35 tics per second


def random_episodes(args: argparse.Namespace) -> np.ndarray:
    """The original's loop without its window: ``args.episodes`` dreams of the random policy, side by side."""
    from worldmodels.envs.doom import RandomHoldPolicy

    _, dream = evaluate.open_dream(args, SPEC)
    policies = [RandomHoldPolicy(np.random.default_rng([args.seed, k])) for k in range(args.episodes)]
    dream.reset(args.episodes)
    while len(rows := dream.active):
        dream.step(np.array([[policies[k](None)] for k in rows], np.float32), rows)
    for reward in dream.total_reward:
        print(f"cumulative reward {reward:.0f}")
    print(f"average reward {np.mean(dream.total_reward):.2f}")
    return dream.total_reward


def play_window(args: argparse.Namespace) -> None:
    """The original's window: random moves until you press an arrow, then your keys (nothing pressed: a = 0)."""
    from worldmodels.envs.doom import RandomHoldPolicy
    from worldmodels.play import dream_window

    agent, dream = evaluate.open_dream(args, SPEC)
    policy = RandomHoldPolicy(np.random.default_rng(args.seed))
    human = [False]

    def act(pygame, pressed) -> np.ndarray:
        left, right = pressed[pygame.K_LEFT], pressed[pygame.K_RIGHT]
        human[0] = human[0] or left or right
        if not human[0]:
            return np.array([policy(None)])
        return np.array([-1.0 if left else (1.0 if right else 0.0)])

    dream_window(agent.vae.decode, dream, act, FPS, "DoomTakeCover dream (V decodes M's z)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int_in(1), default=EPISODES,
                        help="headless: episodes (default %(default)s [orig])")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of the dream and the random policy")
    add_options(parser, SPEC.dream, ("temperature",))  # read by evaluate.open_dream
    evaluate.add_model_file_arguments(parser, SHIPPED)
    add_encoder_argument(parser)
    args = parser.parse_args(argv)
    args.controller = SHIPPED.controller  # V, M and initial z: the shipped ones; no --max_steps: the dream's own cap
    if has_display():
        play_window(args)
        return
    logger.info("no display: the original's random policy plays alone (no keyboard); "
                "to watch the controller in the dream: python dream_model.py")
    random_episodes(args)


if __name__ == "__main__":
    cli_main(main)
