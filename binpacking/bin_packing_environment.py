"""Online bin packing (awslabs/or-rl-benchmarks): the environment, and a game to play it yourself.

    python bin_packing_environment.py                          # keyboard, in a window; needs a display
    python bin_packing_environment.py --text --distribution bounded_waste --items 20 --seed 3
    python bin_packing_environment.py --text --distribution 9:2,3:0.6,0.4 --no_mask

The keyboard game (the fork's ``python bin_packing_environment.py``) shows V's picture of the
state, 8x, with the bags per fill level, the item and the valid moves written under it: press
0 to open a new bag or k to put the item in a bag at level k (top row or keypad), Esc or q to
quit, Enter for the next episode once one is over. Without a display ($DISPLAY unset, or
SDL_VIDEODRIVER=dummy) it exits with status 2 and one line naming the two ways to play headless:
``--text``, the same game at a prompt in the terminal (type an action, one a line; a pipe works
too), and ``python model.py binpacking render``, which writes a video of the shipped agent.
``--text`` with no input at all and no terminal exits 2 with one line the same way.

Each episode's score is minus the wasted space. With --no_mask an invalid action ends the
episode with the benchmark's -100 penalty; otherwise it is replaced by the nearest valid one, as
the benchmark's action-mask variant does.

The environment itself is ``worldmodels.envs.binpacking`` (re-exported here under the
benchmark's file name): ``BinPackingEnv``, the distributions, the heuristics and V's picture.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import DISTRIBUTION  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
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
from worldmodels.play import has_display  # noqa: E402

NO_INPUT = ("no actions to play: bin_packing_environment.py --text reads them from a terminal (stdin is empty and "
            "not one); to watch the shipped agent headless instead: python model.py binpacking render "
            "(writes videos/binpacking_binpacking_seed0.mp4)")
HEADLESS_WAYS = ("play in this terminal instead: python bin_packing_environment.py --text (type 0 for a new bag or "
                 "a level), or watch the shipped agent: python model.py binpacking render "
                 "(writes videos/binpacking_binpacking_seed0.mp4)")
HEADLESS_DRIVERS = ("dummy", "offscreen")
"""SDL_VIDEODRIVER values under which pygame opens no window anyone can see."""
SCALE = 8            # V's 64x64 picture drawn 512x512
TEXT_ROWS = 8        # rows of text under the picture (the longest state, wrapped, takes 6)
LINE_HEIGHT = 22     # pixels a line (pygame's default font at size 24)


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


def no_window() -> str | None:
    """Why no window can open here (None: one can)."""
    if not has_display():
        return "$DISPLAY is not set"
    driver = os.environ.get("SDL_VIDEODRIVER", "")
    if driver.lower() in HEADLESS_DRIVERS:
        return f"SDL_VIDEODRIVER={driver}"
    return None


class KeyboardGame:
    """The keyboard game's rules, apart from pygame: ``press(key)`` takes a key's name as pygame
    gives it (``"3"``, ``"[3]"`` on the keypad, ``"escape"``, ``"return"``...) and answers
    "quit" or nothing; ``lines()`` is the text under the picture. Episodes play seeds seed, seed + 1..."""

    def __init__(self, env: BinPackingEnv, seed: int, out=sys.stdout):
        self.env, self.seed, self.out = env, seed, out
        self.episode = -1
        self.scores: list[float] = []
        self.new_episode()

    def new_episode(self) -> None:
        self.episode += 1
        self.picture, self.info = self.env.reset(seed=self.seed + self.episode)
        self.total, self.step, self.over = 0.0, 0, False
        self.note = "0 = new bag, k = a bag at level k; Esc quits"

    def press(self, key: str) -> str | None:
        if key in ("escape", "q"):
            if self.step and not self.over:
                print(f"episode {self.episode} (seed {self.seed + self.episode}): quit after {self.step} items, "
                      f"total reward {self.total:.0f}", file=self.out)
            return "quit"
        if self.over:
            if key in ("return", "enter", "[enter]", "space"):
                self.new_episode()
            return None
        digit = key.strip("[]")
        if not (len(digit) == 1 and digit.isdigit()):
            return None
        action = int(digit)
        if action >= self.env.capacity:
            self.note = f"no level {action}: 0..{self.env.capacity - 1}"
            return None
        self.picture, reward, terminated, _, self.info = self.env.step(action)
        self.total += reward
        self.step += 1
        invalid = f" (invalid: did {self.info['action']})" if self.info["invalid"] and not terminated else ""
        invalid = " (invalid: episode over)" if self.info["invalid"] and terminated else invalid
        self.note = f"action {action}: reward {reward:+.0f}{invalid}"
        if terminated:
            self.over = True
            self.scores.append(self.total)
            print(f"episode {self.episode} (seed {self.seed + self.episode}): over after {self.step} items, "
                  f"total reward {self.total:.0f}, waste {self.info['waste']}", file=self.out)
        return None

    def lines(self) -> list[str]:
        head = (f"episode over: total reward {self.total:.0f}, waste {self.info['waste']}; Enter: next, Esc: quit"
                if self.over else f"item {self.step + 1}, {self.info['items_left']} left; waste so far "
                                  f"{self.info['waste']}, total reward {self.total:.0f}")
        return [head, *describe(self.info["state"]).splitlines(), self.note]


def wrapped(line: str, font, width: int) -> list[str]:
    """``line`` cut at spaces into rows no wider than ``width`` pixels in ``font``."""
    rows: list[str] = []
    for word in line.split(" "):
        if rows and font.size(f"{rows[-1]} {word}")[0] <= width:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows


def play_window(env: BinPackingEnv, seed: int, out=sys.stdout, max_events: int | None = None) -> list[float]:
    """The keyboard game in a pygame window until Esc, q or the window closes; returns the scores of
    the episodes played to the end. ``max_events``: stop after that many events (tests)."""
    import pygame

    game = KeyboardGame(env, seed, out)
    pygame.init()
    try:
        size = 64 * SCALE
        screen = pygame.display.set_mode((size, size + TEXT_ROWS * LINE_HEIGHT))
        pygame.display.set_caption(f"bin packing: {env.distributions[0].name}, capacity {env.capacity}")
        font = pygame.font.Font(None, 24)
        handled = 0
        while max_events is None or handled < max_events:
            screen.fill((0, 0, 0))
            picture = pygame.surfarray.make_surface(game.picture.swapaxes(0, 1))
            screen.blit(pygame.transform.scale(picture, (size, size)), (0, 0))
            rows = [row for line in game.lines() for row in wrapped(line, font, size - 12)]
            for i, row in enumerate(rows[:TEXT_ROWS]):
                screen.blit(font.render(row, True, (230, 230, 230)), (6, size + 4 + i * LINE_HEIGHT))
            pygame.display.flip()
            event = pygame.event.wait()
            handled += 1
            if event.type == pygame.QUIT:
                break
            if event.type == pygame.KEYDOWN and game.press(pygame.key.name(event.key)) == "quit":
                break
    finally:
        pygame.quit()
    return game.scores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distribution", default=DISTRIBUTION,
                        help=f"a name ({', '.join(DISTRIBUTIONS)}), all, or C:s1,s2:p1,p2 (default %(default)s)")
    parser.add_argument("--items", type=int_in(1), default=None, help="items per episode (default: the distribution's)")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--no_mask", action="store_true", help="invalid actions end the episode (penalty -100)")
    parser.add_argument("--text", action="store_true",
                        help="play at a prompt in this terminal (actions from stdin, one a line): no display needed")
    args = parser.parse_args(argv)
    env = make(distribution=args.distribution, items=args.items, action_mask=not args.no_mask)  # gymnasium.make
    if args.text:
        play(env, args.seed)
        return
    reason = no_window()
    if reason is not None:
        raise WorldModelsError(f"the keyboard game needs a display ({reason}); {HEADLESS_WAYS}")
    play_window(env, args.seed)


if __name__ == "__main__":
    cli_main(main)
