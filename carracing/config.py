"""CarRacing's experiment: model sizes, paths and budgets [paper sec. 3/A.1, orig carracing/].

Every carracing script reads its defaults from here; nothing else differs per environment.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, ModelFiles, Paths, RNNConfig, VAEConfig

HERE = Path(__file__).resolve().parent
WORKDIR = Path(os.environ.get("CARRACING_WORKDIR", HERE))
"""Where record/, series/, tf_vae/, tf_rnn/, tf_initial_z/ and log/ go (default: this folder).
Set CARRACING_WORKDIR to run the whole pipeline elsewhere (the miniature run does)."""

Z_SIZE = 32            # [paper A.1: CarRacing z is 32-dimensional]
HIDDEN = 256           # [paper A.1: LSTM 256 units]
ACTIONS = 3            # steer, gas, brake [gymnasium CarRacing]

SPEC = EnvSpec(
    name="carracing",
    vae=VAEConfig(z_size=Z_SIZE, channels=3),
    rnn=RNNConfig(
        z_size=Z_SIZE,
        action_size=ACTIONS,          # M's input is 32 + 3 [orig carracing/rnn_train.py]
        hidden_units=HIDDEN,
        seq_len=999,                  # first 999 frames in, frames 1..999 as targets [orig rnn_train.py]
        batch_size=100,               # [orig carracing/rnn_train.py]
        learning_rate=1e-3,
        min_learning_rate=1e-3,       # constant: decay_rate 1.0 [orig carracing/rnn_train.py]
        decay_rate=1.0,
        num_steps=4000,               # [orig carracing/rnn_train.py: num_steps=4000]
        episode_aligned=True,         # one sequence per episode [orig carracing/rnn_train.py]
    ),
    controller=ControllerConfig(
        input_size=Z_SIZE + HIDDEN,   # [z, h]: 32 + 256 = 288 [orig carracing/model.py MODE_ZH]
        output_size=ACTIONS, use_bias=True,   # 3 + 288 x 3 = 867 params [orig]
        action="carracing", features="zh"),   # tanh -> [steer, gas, brake], also for M
    # The dream C is trained and scored in (train.py --dream, model.py carracingrnn; the paper
    # trained CarRacing's C in the real game only): the real game's 1000-frame episodes, tau 1.0
    # (M's own distribution; --temperature), the reward and ends of the heads fit_heads.py gives M
    # (rnn_heads.npz), leaving the playfield scored -100 as in the game [gymnasium car_racing.py].
    # An M without heads dreams no reward and no ends. dream_model.py watches WATCH_DREAM.
    dream=DreamConfig(temperature=1.0, max_steps=1000, reward_per_step=0.0, done_reward=-100.0),
    paths=Paths(root=WORKDIR),
)

V_ONLY_SPEC = replace(SPEC, name="carracing_z",
                      controller=replace(SPEC.controller, input_size=Z_SIZE, features="z"))
"""The paper's ablation "V model only" (632 +- 251 over 100 tracks [paper sec. 3.4, table 1]): C
sees z alone, 3 x 32 + 3 = 99 params. ``train.py --v_only`` logs it as log/carracing_z.*; model.py
recognises its controller files by their 99 parameters."""

HIDDEN_LAYER = 40  # [paper tab. 1: "V model with hidden layer"; orig carracing/model.py hidden_size 40]
V_HIDDEN_SPEC = replace(V_ONLY_SPEC, name="carracing_z_hidden",
                        controller=replace(V_ONLY_SPEC.controller, hidden_units=HIDDEN_LAYER))
"""The paper's ablation "V model with hidden layer" (788 +- 141 [paper tab. 1]): C sees z through a
tanh layer of 40 units, (32 + 1) x 40 + (40 + 1) x 3 = 1,443 params. ``train.py --v_hidden`` logs
it as log/carracing_z_hidden.*; model.py recognises its controller files by their 1,443 parameters."""

BACKEND = "fast"
"""The CarRacing every script plays unless told otherwise (--backend, worldmodels/envs/carracing.py):
"fast" is FastCarRacing (bit-identical frames, rewards and ends to gymnasium's; 2-4x faster);
"stock" is gymnasium's CarRacing (--stock_env is an alias); "envpool" is EnvPool's C++ CarRacing,
~3x faster again but with other tracks per seed, so for extract.py and train.py only: model.py and
drive_stats.py accept it with a warning that its scores are not comparable to the reported ones."""
EPISODE_STEPS = 1000   # [orig carracing/extract.py MAX_FRAMES; model.py max_episode_length]

WATCH_DREAM = replace(SPEC.dream, temperature=0.7, max_steps=1200)
"""The dream dream_model.py shows: tau 0.7, 1200 frames [orig carracing/dream_env.py]."""

# Budgets. V: the original ran 10 epochs over all ~10M frames on a GPU [orig vae_train.py]; on
# a CPU we default to 3 epochs of a random 100k-frame subset each, like doomrnn (README.md).
VAE_FRAMES_PER_EPOCH = 100_000
VAE_EPOCHS = 3
# M: 4000 steps of batch 100 [orig carracing/rnn_train.py]. Counted as 40 "epochs" of 100 batches
# (10,000 episodes / batch 100 [paper sec. 3: 10,000 rollouts]), so the step count is the
# original's whatever the size of record/.
RNN_STEPS_PER_EPOCH = 100
RNN_EPOCHS = SPEC.rnn.num_steps // RNN_STEPS_PER_EPOCH


TRAINED = HERE / "trained"
SHIPPED_PREFIX = "carracing."
"""trained/carracing.{best,hist,log}.json: ship.py names the shipped run's files this way whatever
its log prefix (the shipped run's was log/carracing.cma.1.32.), so model.py finds them."""


SHIPPED = ModelFiles.in_folder(TRAINED, f"{SHIPPED_PREFIX}best.json")
"""The agent model.py plays by default: weights trained by this project's scripts, shipped in
trained/ (README.md says how they were made)."""


def spec_for_controller(path: Path) -> EnvSpec:
    """V_ONLY_SPEC for a 99-parameter controller file, V_HIDDEN_SPEC for a 1,443-parameter one, else
    SPEC (whose loader then checks the count and says what is wrong)."""
    from worldmodels.formats import controller_size
    size = controller_size(path)
    return next((spec for spec in (V_ONLY_SPEC, V_HIDDEN_SPEC) if spec.controller.num_params == size), SPEC)
