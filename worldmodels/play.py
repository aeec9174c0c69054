"""Interactive and headless play shared by the environment scripts (env.py, dream_model.py).

``has_display`` decides between a window and a headless fallback; ``play_random_steps`` runs an
extraction policy for N steps and prints the episode scores; ``dream_window`` shows V's decoding
of M's dream in a pygame window while a callback (your keys, or C) picks M's action.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from worldmodels.fileio import WorldModelsError

FRAMES_SAVED = 4  # --frames: raw/processed pairs saved, one every FRAME_EVERY steps
FRAME_EVERY = 50


def has_display() -> bool:
    """A window can open: not Linux (macOS, Windows always have one), or $DISPLAY / $WAYLAND_DISPLAY set."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def no_display(what: str, watch: str) -> WorldModelsError:
    """The one error line of a keyboard game without a display: ``what`` needs one, and ``watch``
    (a command that writes a video) shows an agent headless instead."""
    return WorldModelsError(f"{what} needs a display ($DISPLAY is not set); to watch the shipped agent "
                            f"headless instead: {watch}")


def save_frame_pair(frames_dir: Path, step: int, raw: np.ndarray, obs: np.ndarray, raw_tag: str, obs_tag: str) -> None:
    """raw_<tag>_<step>.png and obs_<tag>_<step>.png (RGB or 1-channel arrays)."""
    import cv2

    frames_dir.mkdir(parents=True, exist_ok=True)
    for name, image in ((f"raw_{raw_tag}", raw), (f"obs_{obs_tag}", obs)):
        bgr = image if image.ndim == 2 or image.shape[2] == 1 else image[:, :, ::-1]
        cv2.imwrite(str(frames_dir / f"{name}_{step:04d}.png"), bgr)


def play_random_steps(env: Any, policy: Any, to_env: Callable[[np.ndarray], Any], rng: np.random.Generator,
                      steps: int, seed: int, frames_dir: Path | None, raw_frame: Callable[[], np.ndarray],
                      tags: tuple[str, str], score_digits: int = 0) -> list[float]:
    """``steps`` steps of ``policy`` (an extraction policy with .reset(rng); ``to_env`` maps its
    output to the game's action); prints each episode's score and the mean. ``raw_frame()``
    gives the game's own picture for --frames."""
    scores: list[float] = []
    score, saved = 0.0, 0
    obs, _ = env.reset(seed=seed)
    try:
        for t in range(steps):
            if frames_dir is not None and t % FRAME_EVERY == 0 and saved < FRAMES_SAVED:
                save_frame_pair(frames_dir, t, raw_frame(), obs, *tags)
                saved += 1
            obs, reward, terminated, truncated, _ = env.step(to_env(policy(obs)))
            score += reward
            if terminated or truncated:
                scores.append(score)
                print(f"episode {len(scores) - 1}: score {score:.{score_digits}f}")
                score = 0.0
                policy.reset(rng)
                obs, _ = env.reset()
    finally:
        env.close()
    if scores:
        print(f"random policy: {len(scores)} episodes, mean score {np.mean(scores):.1f} +- {np.std(scores):.1f}")
    else:
        print(f"random policy: no episode ended within {steps} steps (score so far {score:.{score_digits}f})")
    return scores


def dream_window(decode: Callable[[np.ndarray], np.ndarray], dream: Any,
                 m_action: Callable[[Any, Any], np.ndarray], fps: int, title: str,
                 scale: int = 6) -> None:
    """Show the dream (V's decoding of dream.z, one rollout) until the window is closed or Esc.

    ``m_action(pygame, pressed_keys)`` returns M's action input (1, A) for this step; episodes
    restart when they end, with a line giving their length and reward.
    """
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.init()
    screen = pygame.display.set_mode((64 * scale, 64 * scale))
    pygame.display.set_caption(title)
    clock = pygame.time.Clock()
    dream.reset(1)
    try:
        while True:
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                    return
            action = m_action(pygame, pygame.key.get_pressed())
            frame = (decode(dream.z[:1])[0] * 255).astype(np.uint8)
            frame = np.repeat(frame, 3, axis=2) if frame.shape[2] == 1 else frame
            big = np.repeat(np.repeat(frame, scale, 0), scale, 1)
            screen.blit(pygame.surfarray.make_surface(big.swapaxes(0, 1)), (0, 0))
            pygame.display.flip()
            dream.step(np.asarray(action, np.float32).reshape(1, -1), np.array([0]))
            if dream.done[0]:
                print(f"dream episode over: reward {dream.total_reward[0]:.1f} in {int(dream.steps[0])} steps")
                dream.reset(1)
            clock.tick(fps)
    finally:
        pygame.quit()
