"""``model.py``: play a trained agent in the real environment or in M's dream.

    model.py <real|dream> render   [controller.json] [seed]   # one episode: window or video file
    model.py <real|dream> norender [controller.json] [seed] [--episodes 100]

``norender`` ends with the line ``seed S average_reward X stdev Y`` [orig model.py's output];
episode k uses seed S + k, so a seed fixes the whole evaluation (the original ignored seeds).
``render`` opens the environment's window when there is a display and writes a video file
(``--video``) when there is none, or always with ``--video``. ``--dry_run`` loads the files and
prints what it would play. The original's lines work as typed (``worldmodels/original.py``): the
real-or-dream word may be left out (the real game), options go anywhere on the line, and the
original's ``log/carracing.cma.16.64.best.json`` (or doomrnn's) plays the shipped controller when absent.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from estool.arguments import SEED, int_in
from estool.files import check_writable_folder
from worldmodels.config import DreamConfig, EnvSpec, ModelFiles, RolloutConfig
from worldmodels.fileio import WorldModelsError
from worldmodels.formats import read_controller, read_initial_z
from worldmodels.onnx_encoder import add_encoder_argument
from worldmodels.options import add_options, from_options
from worldmodels.play import has_display

if TYPE_CHECKING:
    import gymnasium as gym

logger = logging.getLogger(__name__)


MODEL_FILES = ("vae", "rnn", "initial_z")


def pipeline_files(spec: EnvSpec, controller: Path) -> ModelFiles:
    """This environment's own pipeline outputs (tf_vae/, tf_rnn/, tf_initial_z/) with ``controller``."""
    p = spec.paths
    return ModelFiles(vae=p.path("vae"), rnn=p.path("rnn"), initial_z=p.path("initial_z"), controller=controller)


def add_model_file_arguments(parser: argparse.ArgumentParser, shipped: ModelFiles) -> None:
    """--vae, --rnn, --initial_z, left unset so that ``fill_model_files`` takes them from the
    controller's own folder (a controller only works with the V and M it was trained with)."""
    parser.set_defaults(shipped_files=shipped)
    for name in MODEL_FILES:
        parser.add_argument(f"--{name}", type=Path, default=None,
                            help=f"default: for a controller under {shipped.controller.parent}, the "
                                 f"{getattr(shipped, name).name} beside it, else {getattr(shipped, name)}; "
                                 f"for any other controller, this environment's own pipeline's")


def fill_model_files(args: argparse.Namespace, spec: EnvSpec) -> None:
    """V, M and initial z not given on the command line come from where the controller came from.
    A controller in the shipped folder, or in a folder under it, plays with the files of that name
    next to it (e.g. doomrnn's trained/real/rnn.npz), else the shipped ones; any other controller
    plays with this environment's own pipeline (spec.paths). Files given on the command line win."""
    shipped = args.shipped_files
    folder = Path(args.controller).resolve().parent
    shipped_folder = shipped.controller.resolve().parent
    for name in MODEL_FILES:
        if getattr(args, name) is not None:
            continue
        if folder.is_relative_to(shipped_folder):
            beside = folder / getattr(shipped, name).name
            setattr(args, name, beside if beside.is_file() else getattr(shipped, name))
        else:
            setattr(args, name, getattr(pipeline_files(spec, args.controller), name))


def add_arguments(parser: argparse.ArgumentParser, files: ModelFiles, real_names: tuple[str, ...],
                  dream_names: tuple[str, ...]) -> None:
    where_help = f"{'/'.join(real_names)}: the real environment"
    if dream_names:
        where_help += f"; {'/'.join(dream_names)}: M's dream"
    parser.add_argument("where", choices=real_names + dream_names, help=where_help)
    parser.add_argument("mode", choices=("render", "norender"))
    parser.add_argument("controller", nargs="?", type=Path, default=files.controller,
                        help="best.json or params .json (default: the shipped controller)")
    parser.add_argument("seed", nargs="?", type=SEED, default=0, help="episode k plays seed S + k (default 0)")
    parser.add_argument("--episodes", type=int_in(1), default=None, help="norender: episodes (default 100)")
    add_model_file_arguments(parser, files)
    add_options(parser, DreamConfig, ("temperature",))
    parser.add_argument("--video", type=Path, default=None, help="render: write this .mp4/.gif")
    add_options(parser, RolloutConfig(), ("num_envs", "max_steps"))
    add_encoder_argument(parser)
    parser.add_argument("--procs", type=int_in(1), default=1,
                        help="real norender: processes the episodes are split over (the same episodes for any number)")
    parser.add_argument("--dry_run", action="store_true",
                        help="load the files, print what would be played, and stop before playing")


def add_dream_model_arguments(parser: argparse.ArgumentParser, files: ModelFiles, spec: EnvSpec) -> None:
    """dream_model.py's command line: [controller] [seed], the model files, tau, video, cap."""
    parser.add_argument("controller", nargs="?", type=Path, default=files.controller)
    parser.add_argument("seed", nargs="?", type=SEED, default=0)
    add_model_file_arguments(parser, files)
    add_options(parser, spec.dream, ("temperature",))
    parser.add_argument("--video", type=Path, default=None, help="write the controller's dream to this .mp4/.gif")
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: spec.dream.max_steps
    add_encoder_argument(parser)


def dream_config(spec: EnvSpec, args: argparse.Namespace) -> DreamConfig:
    """The environment's dream settings with --temperature and --max_steps (0: keep) applied."""
    cfg, max_steps = from_options(args, spec.dream), from_options(args, RolloutConfig()).max_steps
    return replace(cfg, max_steps=max_steps or cfg.max_steps)


def open_dream(args: argparse.Namespace, spec: EnvSpec):
    """(agent, a VectorDream seeded with args.seed) from dream_model.py's arguments."""
    from worldmodels.dream import VectorDream
    from worldmodels.evaluators import load_agent, load_mask_head

    fill_model_files(args, spec)
    agent = load_agent(spec, args.vae, args.rnn, encoder=args.encoder)
    mu, logvar = read_initial_z(args.initial_z, spec.rnn.z_size)
    cfg = dream_config(spec, args)
    dream = VectorDream(agent.rnn, mu, logvar, cfg, np.random.default_rng(args.seed),
                        mask_head=load_mask_head(cfg, args.rnn, spec.rnn))
    return agent, dream


def dry_run_line(args: argparse.Namespace, episodes: int) -> str:
    """What ``--dry_run`` prints: the episodes and the files they would be played with."""
    from worldmodels.original import shown
    files = "; ".join(f"{name} {shown(getattr(args, name))}" for name in ("controller",) + MODEL_FILES)
    return (f"dry run: {args.where} {args.mode}, {episodes} episodes (seeds {args.seed}..{args.seed + episodes - 1}); "
            f"{files}")


def summary_line(seed: int, rewards: np.ndarray) -> str:
    return f"seed {seed} average_reward {np.mean(rewards):.2f} stdev {np.std(rewards):.2f}"


def run(args: argparse.Namespace, spec: EnvSpec, make_env: Callable[..., gym.Env], real_names: tuple[str, ...],
        default_video_dir: Path, action_mask: Callable[[dict], np.ndarray] | None = None) -> np.ndarray:
    """Evaluate or render as ``args`` says; returns the episode rewards.

    ``action_mask`` (info dict -> valid actions) is passed to the agent for masked discrete games.
    """
    from worldmodels.evaluators import load_agent

    episodes = 1 if args.mode == "render" else (args.episodes or 100)
    if episodes < 1:
        raise WorldModelsError(f"--episodes must be >= 1, got {episodes}")
    rollout = from_options(args, RolloutConfig())  # checks --num_envs and --max_steps (0: the env's own)
    fill_model_files(args, spec)
    params = read_controller(args.controller, spec.controller.num_params)
    seeds = (args.seed + np.arange(episodes, dtype=np.int64))[None, :]
    agent = load_agent(spec, args.vae, args.rnn, action_mask=action_mask, encoder=args.encoder)
    if getattr(args, "dry_run", False):
        print(dry_run_line(args, episodes))
        return np.zeros(0)
    real = args.where in real_names
    window = args.mode == "render" and args.video is None and has_display() and real
    video = None
    if args.mode == "render" and not window:
        video = args.video or default_video_dir / f"{spec.name}_{args.where}_seed{args.seed}.mp4"
        check_writable_folder(Path(video).parent, "--video's folder")  # before the episode is played
    start = time.time()
    procs = getattr(args, "procs", 1)
    if procs < 1:
        raise WorldModelsError(f"--procs must be >= 1, got {procs}")
    if real and video is None and not window and procs > 1:
        from functools import partial

        from worldmodels.evaluators import RealEvaluator
        from worldmodels.parallel import evaluate_in_processes
        make_evaluator = partial(RealEvaluator, spec, partial(make_env, render_mode="rgb_array"), args.vae, args.rnn,
                                 num_envs=rollout.num_envs, action_mask=action_mask, encoder=args.encoder)
        rewards, steps = evaluate_in_processes(make_evaluator, params[None], seeds, rollout.max_steps, procs)
    elif real:
        from worldmodels.rollout import real_rollouts
        env_factory = (lambda: make_env(render_mode="human")) if window else (lambda: make_env(render_mode="rgb_array"))
        rewards, steps, episode_frames = real_rollouts(agent, env_factory, params[None], seeds,
                                                       max_len=rollout.max_steps, num_envs=rollout.num_envs,
                                                       record_frames=video is not None)
        frames = episode_frames[0] if video is not None else None
    else:
        rewards, steps, frames = _dream(args, spec, agent, params, seeds, record=video is not None)
    rewards = rewards[0]
    for k, (r, n) in enumerate(zip(rewards, steps[0])):
        if episodes <= 10:
            print(f"episode {k} seed {seeds[0, k]} reward {r:.2f} steps {n}")
    if video is not None:
        from worldmodels.video import write_video
        assert frames is not None  # recorded whenever there is a video
        write_video(frames, video, fps=30, scale=1 if frames[0].shape[0] > 100 else 4)
        print(f"video: {video}")
    logger.info("%d episodes in %.1f s (%d steps)", episodes, time.time() - start, int(steps.sum()))
    print(summary_line(args.seed, rewards))
    return rewards


def _dream(args, spec: EnvSpec, agent, params: np.ndarray, seeds: np.ndarray, record: bool):
    from worldmodels.dream import VectorDream, dream_rollouts
    from worldmodels.evaluators import load_mask_head
    dream_cfg = dream_config(spec, args)
    mu, logvar = read_initial_z(args.initial_z, spec.rnn.z_size)
    mask_head = load_mask_head(dream_cfg, args.rnn, spec.rnn)
    if not record:
        rewards, steps = dream_rollouts(agent.rnn, spec.controller, np.repeat(params[None], seeds.shape[0], 0),
                                        mu, logvar, dream_cfg, seeds, mask_head=mask_head)
        return rewards, steps, None
    # one episode, frame by frame, decoded by V for the video
    from worldmodels.controller import Controller, features
    dream = VectorDream(agent.rnn, mu, logvar, dream_cfg, mask_head=mask_head)
    dream.reset(1, seeds=seeds[0, :1])  # the episode norender scores for this seed
    controller = Controller(spec.controller, params)
    frames = []
    while True:
        rows, mask = dream.live_with_moves()
        if len(rows) == 0:
            break
        frames.append((agent.vae.decode(dream.z[:1])[0] * 255).astype(np.uint8))
        _, m_action = controller.act(features(spec.controller, dream.z, dream.h, dream.c), mask=mask)
        dream.step(m_action, rows)
    return dream.total_reward[None, :], dream.steps[None, :], frames
