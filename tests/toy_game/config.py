"""DotChase's experiment (docs/adding_a_game.md's file 2): the models' sizes, the dream, the budgets.

Sizes are the smallest that still make every part of the method real: a picture V must compress,
an M with reward and done heads whose dream C can be trained in. Sources: [paper] = Ha &
Schmidhuber 2018; [orig] = hardmaru/WorldModelsExperiments.
"""

from __future__ import annotations

from pathlib import Path

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, Paths, RNNConfig, VAEConfig
from worldmodels.game import Budget, Game

from . import toy

HERE = Path(__file__).resolve().parent

Z_SIZE = 8    # the picture holds two cells of an 8 x 8 board, 4 numbers; CarRacing's 32 [paper A.1] would be idle
HIDDEN = 16   # the picture shows the whole state, so M needs little memory (CarRacing's LSTM: 256 [paper A.1])

SPEC = EnvSpec(
    name="dotchase",
    # as atari/config.py, for small objects on a plain background. Measured on 200 random episodes:
    # without mean_frame and foreground_weight, V drew an empty board after 3 epochs (KL at its floor,
    # z carried nothing); with them, its pictures put the red and green dots in the right cells
    # 87% and 81% of the time after 10 epochs (526 of its training frames)
    vae=VAEConfig(z_size=Z_SIZE, channels=3, mean_frame=True, foreground_weight=20.0, learning_rate=1e-3),
    rnn=RNNConfig(
        z_size=Z_SIZE,
        action_size=toy.N_ACTIONS,    # M is fed the one-hot action, as Atari and bin packing
        hidden_units=HIDDEN,
        use_restart=True,             # state resets at episode starts [orig doomrnn.py]
        done_head=True,               # the catch ends an episode: the dream must know when [orig doomrnn.py]
        reward_head=True,             # rewards vary per step: the dream needs them (as atari/)
        seq_len=toy.MAX_STEPS,        # a window as long as the longest episode
        batch_size=20,                # ours: 200 episodes (5,304 frames) make 171 windows, 8 batches an epoch
        episode_aligned=False,        # episodes laid end to end in parallel streams [orig doomrnn.py]
    ),
    controller=ControllerConfig(
        input_size=Z_SIZE + HIDDEN,   # [z, h], as CarRacing [paper A.1]: 8 + 16 = 24
        output_size=toy.N_ACTIONS,    # one logit per action
        use_bias=True,                # 24 x 5 + 5 = 125 params
        action="argmax", features="zh"),  # discrete: C plays the argmax, M is fed it one-hot
    dream=DreamConfig(temperature=1.0,          # M's own spread; untuned (Doom's best: 1.15 [paper tab. 2])
                      max_steps=toy.MAX_STEPS,  # the real game's cap
                      reward_per_step=0.0),     # unused: M's reward head gives the reward
    paths=Paths(root=HERE),                     # record/, tf_vae/, ... log/ beside this file (--workdir moves them)
)

GAME = Game(
    spec=SPEC,
    make_env=toy.make,
    make_policy=toy.RandomPolicy,
    action_to_env=toy.action_to_env,
    budget=Budget(
        extract_episodes=200,         # [orig doomrnn/extract.py: 200 trials per worker]
        max_frames=toy.MAX_STEPS,     # the game cuts its episodes there anyway
        vae_epochs=10,                # [orig vae_train.py]; 5,304 frames an epoch, ~6 min on 2 loaded cores
        rnn_epochs=200,               # ours: 8 batches an epoch; after the paper's 20 [paper A.2] M's loss was
                                      # 1.98 and falling, after 200 (21 s) 1.06
        population=16,                # ours, untuned: a quarter of the paper's 64 for 125 params (Doom's: 1088)
        episodes=16,                  # [paper; orig]: dream episodes cost little
        eval_steps=10, num_eval=64,   # ours: an evaluation every 10 generations, on 64 episodes
    ),
    train_in_dream=True,              # C evolves in M's dream, as the paper's Doom [paper sec. 4]
)
