"""Online bin packing (awslabs/or-rl-benchmarks): the environment, and a prompt to play it yourself.

    python bin_packing_environment.py                          # linear waste, 1000 items
    python bin_packing_environment.py --distribution bounded_waste --items 20 --seed 3
    python bin_packing_environment.py --distribution 9:2,3:0.6,0.4 --no_mask

Each turn shows the open bags per fill level and the item; type an action (0 = open a new bag,
k = put the item in a bag at level k) or q to quit. The episode's score is minus the wasted
space. With --no_mask an invalid action ends the episode with the benchmark's -100 penalty;
otherwise it is replaced by the nearest valid one, as the benchmark's action-mask variant does.
Actions are read from stdin, one a line (a pipe works too); with no input at all and no terminal
(a headless job) it exits with status 2 and one line naming ``python model.py binpacking render``,
which writes a video of the shipped agent instead.

The environment itself is ``worldmodels.envs.binpacking`` (re-exported here under the
benchmark's file name): ``BinPackingEnv``, the distributions, the heuristics and V's picture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import DISTRIBUTION  # noqa: E402
from worldmodels.envs.binpacking import (  # noqa: E402, F401  (re-exported)
    DISTRIBUTIONS,
    BinPackingEnv,
    Bins,
    ItemDistribution,
    action_mask,
    best_fit,
    describe,
    make,
    parse_distribution,
    random_valid,
    render_state,
    sum_of_squares,
    valid_mask,
)
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402

NO_INPUT = ("no actions to play: bin_packing_environment.py reads them from a terminal (stdin is empty and not one); "
            "to watch the shipped agent headless instead: python model.py binpacking render "
            "(writes videos/binpacking_binpacking_seed0.mp4)")


def play(env: BinPackingEnv, seed: int, lines=sys.stdin, out=sys.stdout) -> float:
    """One episode read from ``lines`` (one action per line); returns the total reward. Empty
    ``lines`` that are not a terminal (nothing to type with) raise ``WorldModelsError(NO_INPUT)``."""
    _, info = env.reset(seed=seed)
    total, step, read_any = 0.0, 0, False
    print(f"distribution {info['distribution']}: {info['items_left']} items, bag capacity {env.capacity}", file=out)
    while True:
        print(f"\nitem {step + 1}; waste so far {info['waste']}\n{describe(info['state'])}", file=out)
        print("action> ", end="", file=out, flush=True)
        line = lines.readline()
        if not line and not read_any and not getattr(lines, "isatty", lambda: False)():
            print(file=out)
            raise WorldModelsError(NO_INPUT)
        read_any = True
        if not line or line.strip().lower() in ("q", "quit", "exit"):
            print("\nquit", file=out)
            break
        try:
            action = int(line.strip())
        except ValueError:
            print(f"not an action: {line.strip()!r}; type a number 0..{env.capacity - 1} or q", file=out)
            continue
        if not 0 <= action < env.capacity:
            print(f"action must be in 0..{env.capacity - 1}, got {action}", file=out)
            continue
        _, reward, terminated, _, info = env.step(action)
        total += reward
        step += 1
        note = f" (invalid: did {info['action']})" if info["invalid"] and not terminated else ""
        note = " (invalid: episode over)" if info["invalid"] and terminated else note
        print(f"reward {reward:+.0f}{note}", file=out)
        if terminated:
            break
    print(f"episode over after {step} items: total reward {total:.0f}, waste {info['waste']}", file=out)
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distribution", default=DISTRIBUTION,
                        help=f"a name ({', '.join(DISTRIBUTIONS)}), all, or C:s1,s2:p1,p2 (default %(default)s)")
    parser.add_argument("--items", type=int, default=None, help="items per episode (default: the distribution's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no_mask", action="store_true", help="invalid actions end the episode (penalty -100)")
    args = parser.parse_args(argv)
    env = make(distribution=args.distribution, items=args.items, action_mask=not args.no_mask)  # gymnasium.make
    play(env, args.seed)


if __name__ == "__main__":
    cli_main(main)
