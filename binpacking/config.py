"""BinPacking's experiment: model sizes, paths, distributions and budgets.

Every binpacking script reads its defaults from here; the environment itself (the benchmark's
rules, the picture V sees, the heuristics) lives in ``worldmodels/envs/binpacking.py``.
Sources: [benchmark] = awslabs/or-rl-benchmarks "Bin Packing/src/bin_packing_environment.py";
[paper] = Ha & Schmidhuber 2018; [orig] = hardmaru/WorldModelsExperiments; [design] =
../shared/DESIGN.md.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, ModelFiles, Paths, RNNConfig, VAEConfig

HERE = Path(__file__).resolve().parent
WORKDIR = Path(os.environ.get("BINPACKING_WORKDIR", HERE))
"""Where record/, series/, tf_vae/, tf_rnn/, tf_initial_z/ and log/ go (default: this folder).
Set BINPACKING_WORKDIR to run the whole pipeline elsewhere (the miniature run does)."""

CAPACITY = 9           # bag capacity [benchmark: bag_capacity 9]
N_ACTIONS = CAPACITY   # action 0 = new bag, k = 1..C-1 = a bag at level k [benchmark: Discrete(bag_capacity)]
ITEMS = 1000           # items per episode [benchmark: time_horizon 1000]
Z_SIZE = 32            # CarRacing's z [paper A.1]: the picture holds 8 bar heights and the item size,
                       # far fewer degrees of freedom than a racing track, so 32 is ample
HIDDEN = 256           # CarRacing's LSTM [paper A.1]; the state is Markov (the picture shows all of it
                       # but the time left), so M needs little memory

DISTRIBUTION = "linear_waste"
"""Default distribution of train.py and model.py: the benchmark's own default
[benchmark: item_probabilities [0.8, 0.2]]."""
EXTRACT_DISTRIBUTION = "all"
"""extract.py plays all three capacity-9 distributions (one drawn per episode), so V and M see
the states of each."""

SPEC = EnvSpec(
    name="binpacking",
    vae=VAEConfig(z_size=Z_SIZE, channels=3),
    rnn=RNNConfig(
        z_size=Z_SIZE,
        action_size=N_ACTIONS,        # M is fed the one-hot action [design: discrete action spaces]
        hidden_units=HIDDEN,
        use_restart=True,             # state resets at episode starts, as Doom [orig doomrnn.py]
        done_head=True,               # predicts the episode end, as Doom [orig doomrnn.py]
        reward_head=True,             # rewards vary (-(C - s) or +s): the dream needs them
        seq_len=100,                  # our choice: the state is Markov, so short windows do; 1000-item
                                      # episodes give 10 windows each, 5x Doom's 500 in batches per epoch
        batch_size=100,               # [orig doomrnn.py]
        learning_rate=1e-3,           # [orig]
        min_learning_rate=1e-5,       # [orig doomrnn.py]
        decay_rate=0.99999,           # [orig doomrnn.py]
        episode_aligned=False,        # episodes laid end to end in parallel streams [orig doomrnn.py]
    ),
    controller=ControllerConfig(
        input_size=Z_SIZE + HIDDEN,   # [z, h]: 32 + 256 = 288 [design: discrete action spaces]
        output_size=N_ACTIONS,        # one logit per action, argmax over the valid ones
        use_bias=True,                # 288 x 9 + 9 = 2601 params
        action="argmax", features="zh"),
    # C trains in M's dream by default (train.py; --real: in the real environment)
    dream=DreamConfig(
        temperature=1.0,              # tau: the paper's plain sampling; the items M draws are the
                                      # distribution's only at tau 1 (README.md, "C in the dream")
        max_steps=ITEMS,              # an episode is --items items long, always
        reward_per_step=0.0,          # unused: M has a reward head
        use_done_head=False,          # the picture does not show the items left: the length is the rule's
        action_mask=True,             # C plays the best move M's mask head allows (mask.npz beside M)
        no_valid_action_reward=-100.0),  # the benchmark's penalty for an invalid move, which ends the
                                         # episode [benchmark: reward -100, done]
    paths=Paths(root=WORKDIR),
    # The chart repeats: 100k recorded frames of mixed play hold 19.6k distinct pictures, so
    # rollout workers memoize V's encodings; 500k entries (~0.8 kB each) is at most ~400 MB per worker.
    encode_cache=500_000,
)

# Budgets, as doomrnn's; on the 2-core machine extract took 27 s and V + series + M 25 min 44 s
# (README.md, "The shipped agent").
EXTRACT_EPISODES_PER_WORKER = 200   # [orig doomrnn/extract.py: 200 trials per worker]
VAE_FRAMES_PER_EPOCH = 100_000      # V sees a random 100k-frame subset per epoch (as doomrnn)
VAE_EPOCHS = 3                      # as doomrnn
RNN_EPOCHS = 20                     # the paper's 20 epochs of M [paper A.2]


def check_distribution(distribution: str, items: int | None = None) -> None:
    """One-line error (WorldModelsError) for a distribution that is invalid or has another capacity."""
    from worldmodels.envs.binpacking import parse_distribution
    from worldmodels.fileio import WorldModelsError
    capacity = parse_distribution(distribution, items)[0].capacity
    if capacity != CAPACITY:
        raise WorldModelsError(f"the models are sized for bag capacity {CAPACITY} ({N_ACTIONS} actions); "
                               f"distribution {distribution!r} has capacity {capacity}")


SHIPPED_DISTRIBUTIONS = ("perfect_pack", "bounded_waste", "linear_waste")
"""One controller per capacity-9 distribution (the best policy differs: README.md); V and M are shared."""
TRAINED = HERE / "trained"
"""The shipped agent (README.md says how it was trained): vae.npz, rnn.npz, initial_z.json and
binpacking.<distribution>.best.json (+ hist.json, log.json)."""


def train_log_prefix(distribution: str) -> Path:
    """Where train.py logs a distribution's run by default: log/<distribution>/binpacking.cma.2.64."""
    return SPEC.paths.path("log") / distribution / "binpacking.cma.2.64."


def shipped_prefix(distribution: str) -> str:
    return f"binpacking.{distribution}."


def dream_log_prefix(distribution: str) -> Path:
    """Where train.py logs a run in the dream by default: log/dream/<distribution>/binpacking.cma.16.64."""
    return SPEC.paths.path("log") / "dream" / distribution / "binpacking.cma.16.64."


TRAINED_DREAM = TRAINED / "dream"
"""The dream-trained agent: one folder per distribution with its M (rnn.npz), M's mask head
(mask.npz), initial_z.json and the controller (binpacking.<distribution>.best.json + hist, log);
V is the shipped trained/vae.npz (the dream pipeline encodes with it and does not retrain it)."""


def dream_files(distribution: str):
    """The shipped dream-trained agent of ``distribution``: trained/vae.npz and trained/dream/<distribution>/."""
    folder = TRAINED_DREAM / distribution
    return replace(ModelFiles.in_folder(folder, f"{shipped_prefix(distribution)}best.json"), vae=TRAINED / "vae.npz")


def model_files(distribution: str = DISTRIBUTION):
    """The files model.py and dream_model.py play by default: the shipped V, M and initial z, and
    the distribution's shipped controller (linear waste's for a distribution without one)."""
    own = distribution if distribution in SHIPPED_DISTRIBUTIONS else DISTRIBUTION
    return ModelFiles.in_folder(TRAINED, f"{shipped_prefix(own)}best.json")
