"""BinPacking's experiment: model sizes, paths, distributions and budgets.

Every binpacking script reads its defaults from here; the environment itself (the benchmark's
rules, the picture V sees, the heuristics) lives in ``worldmodels/envs/binpacking.py``.
Sources: [benchmark] = awslabs/or-rl-benchmarks "Bin Packing/src/bin_packing_environment.py";
[paper] = Ha & Schmidhuber 2018; [orig] = hardmaru/WorldModelsExperiments; [design] =
../shared/DESIGN.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, ModelFiles, Paths, RNNConfig, VAEConfig

HERE = Path(__file__).resolve().parent
WORKDIR = Path(os.environ.get("BINPACKING_WORKDIR", HERE))
"""Where record/, series/, tf_vae/, tf_rnn/, tf_initial_z/ and log/ go (default: this folder).
Set BINPACKING_WORKDIR to run the whole pipeline elsewhere (the miniature run does)."""

CAPACITY = 9           # bag capacity [benchmark: bag_capacity 9]; capacity 100: SIZES
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

# Budgets, as doomrnn's; on the 2-core machine extract took 27 s and V + series + M 25 min 44 s
# (README.md, "The shipped agent"). The same for capacity 100, whose episodes are 10x longer and
# 10x fewer (SIZES): V and M see as many frames.
EXTRACT_EPISODES_PER_WORKER = 200   # [orig doomrnn/extract.py: 200 trials per worker]
VAE_FRAMES_PER_EPOCH = 100_000      # V sees a random 100k-frame subset per epoch (as doomrnn)
VAE_EPOCHS = 3                      # as doomrnn
RNN_EPOCHS = 20                     # the paper's 20 epochs of M [paper A.2]

SHIPPED_DISTRIBUTIONS = ("perfect_pack", "bounded_waste", "linear_waste")
"""One controller per capacity-9 distribution (the best policy differs: README.md); V and M are shared."""
TRAINED = HERE / "trained"
"""The shipped agent (README.md says how it was trained): vae.npz, rnn.npz, initial_z.json and
binpacking.<distribution>.best.json (+ hist.json, log.json)."""


@dataclass(frozen=True)
class Sizes:
    """What the models, budgets and shipped files of one bag capacity are (``SIZES``, ``spec_for``).
    M's one-hot action, C's outputs and the mask head have one column per action, C of them."""

    z_size: int
    """V's latent size (C reads [z, h]: (z + 256) x C + C params)."""
    items: int
    """Items per episode, the dream's length (the distributions' own: 1000 at C = 9, 10,000 at 100)."""
    cma_diagonal: bool
    """train.py's default --cma_diagonal: CMA-ES with a diagonal covariance, for a C too large for the full one."""
    extract_episodes_per_worker: int
    """extract.py's default --num_episodes (extract.bash: 2 workers of this many)."""
    dream_episodes: int
    """dream.bash: the episodes of the one distribution M is trained on (2 workers) ..."""
    held_out_episodes: int
    """... and those held out to score M's mask head (worker 99)."""
    round_episodes: int
    """iterate.bash: real episodes the current C plays per round (ROUND_EPISODES overrides)."""
    shipped: tuple[str, ...]
    """The distributions with a shipped controller (ship.py, model.py's defaults)."""
    fallback: str
    """Whose shipped controller model.py plays for a distribution of this capacity without one."""
    trained: Path
    """Where ship.py puts V, M, initial z and these controllers (model.py's defaults)."""


SIZES: dict[int, Sizes] = {
    CAPACITY: Sizes(
        z_size=Z_SIZE, items=ITEMS, cma_diagonal=False,  # 288 x 9 + 9 = 2601 params: full CMA-ES [paper]
        extract_episodes_per_worker=EXTRACT_EPISODES_PER_WORKER,
        dream_episodes=400, held_out_episodes=50,        # 2 x 200 [orig: 200 per worker], 50 more
        round_episodes=200,                              # iterate.bash's rounds as run (EXPERIMENTS.md)
        shipped=SHIPPED_DISTRIBUTIONS, fallback=DISTRIBUTION, trained=TRAINED),
    100: Sizes(
        # Doom's z [paper A.1]: the picture holds 99 one-pixel bars (2 panels of 50) and the item, and
        # the extraction's play shows up to 36 bars at once (random-valid: 22 on average; Best Fit and
        # Sum-of-Squares 1-4, with random moves up to 12; EXPERIMENTS.md, 2026-12-06), a position and a
        # height each: more numbers than 32
        z_size=64,
        items=10_000,       # the large variant [benchmark: __main__, baseline_best_fit.py, baseline_sum_of_squares.py]
        # C is (64 + 256) x 100 + 100 = 32,100 params. Full CMA-ES would hold a 32,100^2 covariance
        # (8.2 GB) and decompose it (O(n^3)): at capacity 9's 2601 params one ask/tell already takes
        # 1.9 s (14 s with a decomposition); the diagonal one takes 0.13 s at 32,100 (EXPERIMENTS.md)
        cma_diagonal=True,
        # 10x longer episodes, 10x fewer: 2 x 20 x 10,000 = 400k frames, capacity 9's 2 x 200 x 1000, so
        # V's and M's budgets (above) stay capacity 9's (a batch costs 1.2x and 1.4x); extraction: 5,600
        # frames per CPU second, ~72 s of CPU for the 400k (EXPERIMENTS.md, 2026-12-06)
        extract_episodes_per_worker=20,
        dream_episodes=40, held_out_episodes=5, round_episodes=20,   # capacity 9's / 10, as above
        shipped=("perfect_pack_large", "bounded_waste_large"),       # [issue 27, item 3]
        fallback="perfect_pack_large",
        trained=TRAINED / "capacity100"),
}
"""The bag capacities the models are sized for; ``spec_for`` builds each one's EnvSpec."""


def sizes_for(capacity: int) -> Sizes:
    """``SIZES[capacity]``, or a one-line error (WorldModelsError) naming the capacity and the known ones."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity not in SIZES:
        from worldmodels.fileio import WorldModelsError
        raise WorldModelsError(f"the models are sized for bag capacity {' or '.join(map(str, SIZES))} "
                               f"(binpacking/config.py SIZES), not {capacity!r}")
    return SIZES[capacity]


def spec_for(capacity: int) -> EnvSpec:
    """The EnvSpec of bag capacity ``capacity`` (one of ``SIZES``; else a one-line WorldModelsError);
    the same object for the same capacity."""
    sizes_for(capacity)
    return _spec(capacity)


@cache
def _spec(capacity: int) -> EnvSpec:
    sizes = SIZES[capacity]
    z = sizes.z_size
    return EnvSpec(
        name="binpacking",
        vae=VAEConfig(z_size=z, channels=3),
        rnn=RNNConfig(
            z_size=z,
            action_size=capacity,         # M is fed the one-hot action [design: discrete action spaces]
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
            input_size=z + HIDDEN,        # [z, h]: 32 + 256 = 288 [design: discrete action spaces]
            output_size=capacity,         # one logit per action, argmax over the valid ones
            use_bias=True,                # 288 x 9 + 9 = 2601 params (capacity 100: 32,100)
            action="argmax", features="zh"),
        # C trains in M's dream by default (train.py; --real: in the real environment)
        dream=DreamConfig(
            temperature=1.0,              # tau: the paper's plain sampling; the items M draws are the
                                          # distribution's only at tau 1 (README.md, "C in the dream")
            max_steps=sizes.items,        # an episode is --items items long, always
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


SPEC = spec_for(CAPACITY)
"""Capacity 9's: the models of the World Models experiment (scripts with --distribution use the
distribution's, ``check_distribution``)."""


def capacity_of(distribution: str, items: int | None = None) -> int:
    """The bag capacity of a --distribution value (one-line WorldModelsError for an invalid one)."""
    from worldmodels.envs.binpacking import parse_distribution
    return parse_distribution(distribution, items)[0].capacity


def check_distribution(distribution: str, items: int | None = None,
                       capacities: tuple[int, ...] | None = None) -> EnvSpec:
    """The EnvSpec of ``distribution``'s capacity: one-line error (WorldModelsError) for a
    distribution that is invalid or has a capacity outside ``capacities`` (default: those the
    models have sizes for, ``SIZES``; Dopamine's Rainbow: 9 alone)."""
    from worldmodels.fileio import WorldModelsError
    capacity = capacity_of(distribution, items)
    allowed = tuple(SIZES) if capacities is None else capacities
    if capacity not in allowed:
        raise WorldModelsError(f"the models are sized for bag capacity {' or '.join(map(str, allowed))}; "
                               f"distribution {distribution!r} has capacity {capacity}")
    return spec_for(capacity)


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
V is the shipped V of the distribution's capacity (trained/vae.npz, trained/capacity100/vae.npz:
the dream pipeline encodes with it and does not retrain it)."""


def shipped_vae(capacity: int) -> Path:
    """The shipped V of a capacity, which dream.bash encodes with: trained/vae.npz, trained/capacity100/vae.npz."""
    return sizes_for(capacity).trained / "vae.npz"


def dream_files(distribution: str) -> ModelFiles:
    """The shipped dream-trained agent of ``distribution``: trained/dream/<distribution>/ and its capacity's V."""
    folder = TRAINED_DREAM / distribution
    return replace(ModelFiles.in_folder(folder, f"{shipped_prefix(distribution)}best.json"),
                   vae=shipped_vae(capacity_of(distribution)))


def model_files(distribution: str = DISTRIBUTION) -> ModelFiles:
    """The files model.py and dream_model.py play by default: the shipped V, M and initial z of the
    distribution's capacity, and the distribution's shipped controller (for a distribution without
    one, linear waste's at capacity 9, perfect pack's at capacity 100: ``Sizes.fallback``)."""
    sizes = sizes_for(capacity_of(distribution))
    own = distribution if distribution in sizes.shipped else sizes.fallback
    return ModelFiles.in_folder(sizes.trained, f"{shipped_prefix(own)}best.json")


def print_dream_settings(argv: list[str]) -> None:
    """dream.bash's and iterate.bash's settings for the distribution ``argv[0]``, printed on one line:
    the shipped V of its capacity (relative to this folder), then its ``Sizes``' dream_episodes,
    held_out_episodes and round_episodes. A bad distribution: one error line, exit 2."""
    from worldmodels.fileio import cli_main

    def main(args: list[str]) -> None:
        if len(args) != 1:
            from worldmodels.fileio import WorldModelsError
            raise WorldModelsError(f"need one distribution, got {args}")
        capacity = check_distribution(args[0]).rnn.action_size
        sizes = sizes_for(capacity)
        print(shipped_vae(capacity).relative_to(HERE), sizes.dream_episodes, sizes.held_out_episodes,
              sizes.round_episodes)

    cli_main(main, argv)


def shipped_distributions() -> tuple[str, ...]:
    """Every distribution with a shipped controller, of every capacity (ship.py's, dream_model.py's choices)."""
    return tuple(d for sizes in SIZES.values() for d in sizes.shipped)


# ----------------------------------------------------------------------------- model files of a capacity


def _fits(path: Path, spec: EnvSpec, part: str) -> bool:
    """Whether ``path`` loads as ``spec``'s V (``part`` "a V") or M ("an M")."""
    from worldmodels.fileio import WorldModelsError
    try:
        if part == "a V":
            from worldmodels.vae import load_weights
            load_weights(path, spec.vae)
        else:
            from worldmodels.mdnrnn import RNNWeights
            RNNWeights.load(path, spec.rnn)
    except WorldModelsError:
        return False
    return True


def check_models(spec: EnvSpec, distribution: str | None, vae: Path | None = None, rnn: Path | None = None,
                 data: Path | None = None) -> None:
    """One-line error (WorldModelsError) where V or M (those given that exist) was trained for
    another bag capacity than ``spec``'s, that of ``distribution`` (or of the episodes in ``data``),
    naming what to do; files that fit no capacity are left to the loader's own error."""
    from worldmodels.fileio import WorldModelsError
    from worldmodels.original import shown
    capacity = spec.rnn.action_size
    for path, part, option in ((vae, "a V", "--vae"), (rnn, "an M", "--rnn")):
        if path is None or not Path(path).is_file() or _fits(Path(path), spec, part):
            continue
        other = next((c for c in SIZES if c != capacity and _fits(Path(path), spec_for(c), part)), None)
        if other is None:
            continue
        found = f"{shown(Path(path))} is {part} for bag capacity {other}"
        readme = 'README.md, "Capacity 100"'
        if distribution is None:
            raise WorldModelsError(f"{found}, but the episodes in {shown(Path(data or '.'))} are of capacity "
                                   f"{capacity}: give {option} of a capacity-{capacity} run ({readme})")
        raise WorldModelsError(
            f"{found}, but distribution {distribution!r} has capacity {capacity}: give {option} of a "
            f"capacity-{capacity} run (extract.py --distribution {distribution}, then vae_train.py, series.py, "
            f"rnn_train.py: {readme}), or a distribution of capacity {other}")


def step_spec(step: str, argv: list[str]) -> EnvSpec:
    """The EnvSpec of a model step without --distribution (worldmodels.pipeline.shell.run_step):
    the bag capacity follows the data, the width of the actions recorded by extract.py
    (vae_train.py, series.py: --record_dir) or encoded by series.py (rnn_train.py, fit_mask.py:
    --series), so the capacity is chosen once, by extract.py's --distribution. Capacity 9's SPEC
    where there is no data yet (the step itself then says what to run). series.py's --vae and
    fit_mask.py's --rnn must be of that capacity (``check_models``)."""
    import argparse

    from worldmodels.fileio import WorldModelsError
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--record_dir", type=Path, default=SPEC.paths.path("record"))
    parser.add_argument("--series", type=Path, default=SPEC.paths.path("series"))
    parser.add_argument("--vae", type=Path, default=SPEC.paths.path("vae"))
    parser.add_argument("--rnn", type=Path, default=SPEC.paths.path("rnn"))
    args, _ = parser.parse_known_args(argv)
    if step in ("vae_train", "series"):
        source, width = args.record_dir, _records_action_width(args.record_dir)
    else:
        source, width = args.series, _npz_width(args.series, "action") if args.series.is_file() else None
    if width is None:
        return SPEC
    try:
        spec = spec_for(width)
    except WorldModelsError as err:  # say where the width comes from
        raise WorldModelsError(f"{err}: the actions in {source} have width {width}") from err
    if step == "series":
        check_models(spec, None, vae=args.vae, data=source)
    elif step == "fit_mask":
        check_models(spec, None, rnn=args.rnn, data=source)
    return spec


def _records_action_width(record_dir: Path) -> int | None:
    """The action width of the first episode file in ``record_dir`` (None: no episodes yet)."""
    files = sorted(p for p in Path(record_dir).glob("*.npz") if not p.name.startswith(".")) \
        if Path(record_dir).is_dir() else []
    return _npz_width(files[0], "action") if files else None


def _npz_width(path: Path, key: str) -> int | None:
    """Columns of the 2-d array ``key`` of an npz, read from its header alone (None: unreadable,
    left to the step's own error)."""
    import zipfile

    import numpy as np
    try:
        with zipfile.ZipFile(path) as archive, archive.open(f"{key}.npy") as f:
            version = np.lib.format.read_magic(f)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape = read_header(f)[0]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return int(shape[1]) if len(shape) == 2 else None
