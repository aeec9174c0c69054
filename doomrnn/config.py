"""DoomTakeCover's experiment: model sizes, paths and budgets [paper sec. 4.2/A.2, orig doomrnn/].

Every doomrnn script reads its defaults from here; nothing else differs per environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, ModelFiles, Paths, RNNConfig, VAEConfig

HERE = Path(__file__).resolve().parent
WORKDIR = Path(os.environ.get("DOOMRNN_WORKDIR", HERE))
"""Where record/, series/, tf_vae/, tf_rnn/, tf_initial_z/ and log/ go (default: this folder).
Set DOOMRNN_WORKDIR to run the whole pipeline elsewhere (the miniature run does)."""

Z_SIZE = 64            # [paper A.2: Doom z is 64-dimensional]
HIDDEN = 512           # [paper A.2: LSTM 512 units]

SPEC = EnvSpec(
    name="doomrnn",
    vae=VAEConfig(z_size=Z_SIZE, channels=3),
    rnn=RNNConfig(
        z_size=Z_SIZE,
        action_size=1,                # the continuous a in [-1, 1] [orig doomrnn.py]
        hidden_units=HIDDEN,
        use_restart=True,             # state resets at episode starts [orig doomrnn.py]
        done_head=True,               # predicts death; positives weighted x10 [orig doomrnn.py]
        seq_len=500,                  # [orig doomrnn.py: max_seq_len 500]
        batch_size=100,               # [orig doomrnn.py]
        learning_rate=1e-3,
        min_learning_rate=1e-5,       # [orig doomrnn.py]
        decay_rate=0.99999,           # [orig doomrnn.py]
        episode_aligned=False,        # episodes laid end to end in parallel streams [orig]
    ),
    controller=ControllerConfig(
        input_size=Z_SIZE + 2 * HIDDEN,   # [z, c, h]: 64 + 512 + 512 = 1088 [orig doomrnn/model.py]
        output_size=1, use_bias=False,    # 1088 params, no bias [orig]
        action="doom", features="zch"),   # tanh a -> left / no-op / right by thirds; M is fed a
    dream=DreamConfig(temperature=1.15, max_steps=2100, reward_per_step=1.0),  # [paper tab. 2]
    paths=Paths(root=WORKDIR),
)

# Budgets measured on the 2-core development machine (doomrnn/README.md has the timings).
VAE_FRAMES_PER_EPOCH = 100_000   # V sees a random 100k-frame subset per epoch
VAE_EPOCHS = 3                   # 300k images at ~190 images/s ~ 26 min on 2 cores
RNN_EPOCHS = 20                  # the paper's 20 epochs of M [paper A.2]

# The shipped agent: weights trained by this project's scripts (doomrnn/README.md says how).
SHIPPED = ModelFiles.in_folder(HERE / "trained", "doomrnn.cma.16.64.best.json")  # trained in the dream: README
