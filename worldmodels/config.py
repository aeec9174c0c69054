"""Typed, frozen configuration of V, M, C, the dream and an experiment's paths.

Defaults are the paper's / the original code's values; every number names its source:
[paper] = Ha & Schmidhuber 2018 (arXiv 1803.10122), [orig] = hardmaru/WorldModelsExperiments
(commit fd982b9), [design] = ../shared/DESIGN.md of this project.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, NoReturn

TANH, ARGMAX = "tanh", "argmax"
"""The actions of C the core knows without an environment (``ControllerConfig.action``)."""


def _refuse(message: str) -> NoReturn:
    """A config's value is wrong: the one-line error scripts print (imported here only, so that
    importing this module loads no numpy)."""
    from worldmodels.fileio import WorldModelsError
    raise WorldModelsError(message)


@dataclass(frozen=True)
class VAEConfig:
    """V: the convolutional VAE."""

    z_size: int = 32
    """Latent size: 32 for CarRacing, 64 for Doom [paper, sec. A.1/A.2]."""
    channels: int = 3
    """Input channels: 3 (RGB); 1 for grayscale Atari [design]."""
    kl_tolerance: float = 0.5
    """KL floor per latent dimension: loss uses max(KL, kl_tolerance * z_size) [orig vae.py]."""
    foreground_weight: float = 0.0
    """Squared error of a pixel weighted 1 + this x |x - the batch's mean frame|, so the pixels of
    moving objects count more than the static background; 0 = the original's plain squared error.
    Ours, for Atari, where a paddle or ball is a few pixels of low contrast (atari/EXPERIMENTS.md)."""
    mean_frame: bool = False
    """Parameterize V around the training data's mean frame m (ours, for Atari): the encoder sees
    x - m and the decoder outputs sigmoid(logits + logit(m)), starting from m instead of grey.
    With the original's parameterization a Pong V first spends its steps learning the static
    background and ends on a plateau where z carries nothing (atari/EXPERIMENTS.md); m is stored in
    vae.npz. False = the original."""
    learning_rate: float = 1e-4
    """Adam learning rate [orig vae_train.py]."""
    frames: str = ""
    """What frames V is trained on, e.g. "atari pong_dilate3": written into vae.npz and checked
    when one is loaded, so that a V is never used silently on frames of the same shape made
    another way (a dilated Atari screen, another game). "" = neither written nor checked (an
    environment with one kind of frame)."""
    batch_size: int = 100
    """Images per batch [orig vae_train.py]."""
    epochs: int = 10
    """Epochs [orig vae_train.py: NUM_EPOCH = 10; the paper's text says 1]."""


@dataclass(frozen=True)
class RNNConfig:
    """M: the MDN-RNN."""

    z_size: int = 32
    action_size: int = 3
    """Action width fed to M: 3 CarRacing, 1 Doom, n one-hot for discrete games."""
    hidden_units: int = 256
    """LSTM units: 256 CarRacing, 512 Doom [paper, sec. A.1/A.2]."""
    num_mixtures: int = 5
    """Gaussians per z dimension [orig rnn.py: num_mixture = 5]."""
    use_restart: bool = False
    """Feed a restart flag as input and reset the LSTM state where it is 1 [orig doomrnn.py]."""
    done_head: bool = False
    """Predict episode end from h (logit in output column 0) [orig doomrnn.py]."""
    done_positive_weight: float = 10.0
    """Weight of positive (done) targets in the sigmoid cross-entropy [orig doomrnn.py: x10]."""
    reward_head: bool = False
    """Predict the reward from h (last output column; squared error). Our extension for Atari."""
    seq_len: int = 999
    """Training sequence length: 999 CarRacing (1000-frame episodes), 500 Doom [orig]."""
    batch_size: int = 100
    """Sequences per batch [orig rnn.py / doomrnn.py]."""
    learning_rate: float = 1e-3
    """Adam learning rate [orig]."""
    min_learning_rate: float = 1e-3
    """Floor of the decayed rate: 1e-5 for Doom, constant 1e-3 for CarRacing [orig]."""
    decay_rate: float = 1.0
    """Per-step decay: lr = (lr0 - min) * decay^step + min; 0.99999 for Doom [orig doomrnn.py]."""
    grad_clip: float = 1.0
    """Gradients clipped by value [orig rnn.py]."""
    num_steps: int = 4000
    """Training steps: 4000 for CarRacing [orig rnn_train.py]."""
    episode_aligned: bool = True
    """True: one sequence per episode from its first frame (CarRacing). False: episodes laid end
    to end in ``batch_size`` parallel streams, cut into sequences (Doom) [orig]."""

    @property
    def input_size(self) -> int:
        return self.z_size + self.action_size + (1 if self.use_restart else 0)

    @property
    def output_size(self) -> int:
        return (1 if self.done_head else 0) + self.z_size * 3 * self.num_mixtures + (1 if self.reward_head else 0)


@dataclass(frozen=True)
class ControllerConfig:
    """C: a single linear layer from the features to the action (or, for an ablation, two)."""

    input_size: int = 288
    """Feature width: z + h (32 + 256 CarRacing); z + c + h (64 + 512 + 512 Doom) [paper]."""
    output_size: int = 3
    use_bias: bool = True
    """CarRacing has a bias (867 = 3 + 288 x 3 params) [orig]; Doom has none (1088) [orig]."""
    action: str = TANH
    """How C's output becomes the game's action and M's: "tanh" (both are C's tanh outputs),
    "argmax" (a discrete head: argmax over the logits, valid actions only, M is fed it one-hot), or
    an environment adapter, by its name in ``worldmodels.envs.REGISTRY`` or as "module:function",
    whose ``action_from_controller`` maps C's tanh outputs to (game action, M's action)."""
    features: Literal["z", "zh", "zch"] = "zh"
    """Which of z, LSTM cell c and hidden h C sees ("z" is the paper's V-only ablation)."""
    hidden_units: int = 0
    """0: one linear layer [paper]. N > 0: a tanh layer of N units between the features and the
    output, both with biases: the paper's "V model with hidden layer" ablation, 40 units [paper
    tab. 1; orig carracing/model.py MODE_Z_HIDDEN]."""

    def __post_init__(self) -> None:
        if self.hidden_units < 0:
            _refuse(f"the controller's hidden_units must be >= 0, got {self.hidden_units}")
        if self.hidden_units and not self.use_bias:
            _refuse("a controller with a hidden layer has biases in both layers [orig MODE_Z_HIDDEN]: use_bias=True")
        from worldmodels.envs import REGISTRY  # the adapters' names (a dict of strings: imports no game)
        if self.action not in (TANH, ARGMAX) and self.action not in REGISTRY and ":" not in self.action:
            _refuse(f"controller action must be {TANH!r}, {ARGMAX!r}, an environment of {sorted(REGISTRY)} "
                    f"or 'module:function', got {self.action!r}")

    @property
    def num_params(self) -> int:
        if self.hidden_units:
            return (self.input_size + 1) * self.hidden_units + (self.hidden_units + 1) * self.output_size
        return self.input_size * self.output_size + (self.output_size if self.use_bias else 0)


@dataclass(frozen=True)
class DreamConfig:
    """M used as an environment."""

    temperature: float = 1.15
    """tau, the temperature of M's sampling in the dream: mixture logits / tau, Gaussian sigma x
    sqrt(tau) [paper sec. 4.4]; Doom 1.15 [paper tab. 2], the original code 1.25 [orig doomrnn]"""
    max_steps: int = 2100
    """Step cap of a dream episode: DoomTakeCover's 2100 frames [paper sec. 4.2]."""
    reward_per_step: float = 1.0
    """Reward per step survived when M has no reward head: Doom's +1 per frame [paper sec. 4.2]."""
    use_done_head: bool = True
    """End an episode where M's done head fires (logit > 0); False: only at ``max_steps``, for a
    game whose length is fixed and not in the picture (bin packing's 1000 items)."""
    action_mask: bool = False
    """The game has invalid moves: the dream reads M's mask head (``worldmodels.mask_head``, mask.npz
    beside M) and C plays the best action it allows, as C plays the best valid one in the real game."""
    no_valid_action_reward: float = 0.0
    """With ``action_mask``: the reward of a step on which the mask head allows no action at all; the
    episode ends there, as an invalid move ends the real game when it is not masked."""
    done_reward: float | None = None
    """The reward of a step on which M's done head ends the episode, in place of the reward head's:
    the game's terminal reward that the head flags (CarRacing: -100 for leaving the playfield
    [gymnasium car_racing.py]; fit_heads.py fits the reward head on the other steps). None: the
    reward head's (or ``reward_per_step``) on that step too."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            _refuse(f"--temperature (tau) must be a finite number > 0, got {self.temperature}")
        if self.max_steps < 1:
            _refuse(f"the dream's --max_steps must be >= 1, got {self.max_steps}")
        if not math.isfinite(self.reward_per_step):
            _refuse(f"the dream's reward_per_step must be finite, got {self.reward_per_step}")
        if not math.isfinite(self.no_valid_action_reward):
            _refuse(f"the dream's no_valid_action_reward must be finite, got {self.no_valid_action_reward}")
        if self.done_reward is not None and not math.isfinite(self.done_reward):
            _refuse(f"the dream's done_reward must be finite or None, got {self.done_reward}")


@dataclass(frozen=True)
class RolloutConfig:
    """How a worker plays C: ``--num_envs`` and ``--max_steps`` of model.py, dream_model.py, train.py
    and the generic ``game.py`` route, each built from these fields (``worldmodels.options``)."""

    num_envs: int = 8
    """real: games a worker plays in lockstep, so V encodes a batch of frames per call; 8 [design:
    measured 1.86x the agent steps/s of 1 game, benchmarks/bench_doom.py and doomrnn/EXPERIMENTS.md]"""
    max_steps: int = 0
    """cap every episode at this many steps; 0 = the environment's own limit (the real game's, or
    the dream's DreamConfig.max_steps)"""

    def __post_init__(self) -> None:
        if self.num_envs < 1:
            _refuse(f"--num_envs (games in lockstep) must be >= 1, got {self.num_envs}")
        if self.max_steps < 0:
            _refuse(f"--max_steps (steps per episode, 0: the environment's own limit) must be >= 0, "
                    f"got {self.max_steps}")


@dataclass(frozen=True)
class Paths:
    """Where each step reads and writes, relative to an environment directory."""

    root: Path = Path(".")
    record: str = "record"
    series: str = "series/series.npz"
    vae: str = "tf_vae/vae.npz"
    rnn: str = "tf_rnn/rnn.npz"
    initial_z: str = "tf_initial_z/initial_z.json"
    log: str = "log"
    videos: str = "videos"
    """Where model.py / dream_model.py write a video not named by --video (a named one stays where named)."""

    def path(self, which: str) -> Path:
        return Path(self.root) / getattr(self, which)

    def with_root(self, root: str | Path) -> Paths:
        return replace(self, root=Path(root))


@dataclass(frozen=True)
class EnvSpec:
    """What an environment directory declares: the models' sizes and how C acts."""

    name: str
    vae: VAEConfig
    rnn: RNNConfig
    controller: ControllerConfig
    dream: DreamConfig = field(default_factory=DreamConfig)
    paths: Paths = field(default_factory=Paths)
    encode_cache: int = 0
    """Frames whose encoding a rollout worker remembers (``NumpyVAE(cache_entries=...)``); 0 = none.
    Worth it only where real pictures repeat exactly."""


@dataclass(frozen=True)
class ModelFiles:
    """The shipped (or freshly trained) V, M, initial z and controller an environment plays with."""

    vae: Path
    rnn: Path
    initial_z: Path
    controller: Path

    @classmethod
    def in_folder(cls, folder: Path, controller: str) -> ModelFiles:
        """The layout ship.py writes: vae.npz, rnn.npz, initial_z.json and the controller file
        ``controller``, all in ``folder``."""
        folder = Path(folder)
        return cls(vae=folder / "vae.npz", rnn=folder / "rnn.npz", initial_z=folder / "initial_z.json",
                   controller=folder / controller)
