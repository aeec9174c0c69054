"""Evolve a controller's parameters with an ES, in parallel with MPI.

An environment's ``train.py`` is a few lines:

    DEFAULTS = TrainConfig(num_worker=64)
    def make_evaluator(): return MyEvaluator(...)          # built lazily, once per worker
    cli_main(lambda argv: main(argv, DEFAULTS, "carracing", 867, make_evaluator))

``main`` parses the command line, re-launches the script through the venv's ``mpiexec`` (see
``estool.mpi.ensure_mpi``) and calls ``run``: rank 0 asks the optimiser, sends each worker its
share of candidates x episodes, tells the fitness (mean reward over episodes) and writes the logs
and a checkpoint after every generation (see ``estool.logs``). Re-running the same command
resumes from the last completed generation; ``--fresh`` moves the old files aside. A worker that
dies, or that does not answer within ``--worker_timeout``, ends the run with one error line naming
it and the command that resumes (``estool.mpi``, ``estool.pool``).
"""

from __future__ import annotations

import argparse
import logging
import math
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path

import numpy as np

from estool import mpi
from estool.arguments import SEED, Number, float_in, int_in
from estool.es import OPTIMIZER_NAMES, make_optimizer
from estool.files import UsageError, check_writable_folder
from estool.logs import RunFiles, TrainState, hist_row, load_checkpoint, load_params, save_checkpoint, write_logs
from estool.pool import LocalPool, MakeEvaluator, MPIPool, worker_loop

logger = logging.getLogger(__name__)

SEED_LIMIT = 2**31 - 1
"""Episode seeds lie in [0, 2^31 - 1), as the original's Seeder drew them [orig train.py]."""

RANGES: dict[str, Number] = {
    "num_worker": int_in(1), "num_worker_trial": int_in(1), "num_episode": int_in(1),
    "popsize": int_in(0),  # 0: num_worker * num_worker_trial; validate() checks the population >= 2
    "eval_steps": int_in(0), "num_eval": int_in(0), "max_generations": int_in(0), "num_procs": int_in(0),  # 0: off/auto
    "sigma_init": float_in(0, lo_open=True),
    "sigma_decay": float_in(0, 1, lo_open=True),  # sigma *= this while above its limit [orig es.py]: > 1 would grow it
    "weight_decay": float_in(0),  # an L2 penalty's coefficient [orig es.py]: a negative one would reward large weights
    "seed_start": SEED,
    "worker_timeout": float_in(0),  # 0: automatic
}
"""The numbers of ``TrainConfig`` and the range of each: the options' ``type`` and ``validate``'s check."""


@dataclass(frozen=True)
class TrainConfig:
    """Options of the original train.py [orig carracing/train.py] plus our own (marked 'new')."""

    optimizer: str = "cma"
    """-o: cma, ga, oes/openes, pepg, ses [orig default 'cma']."""
    num_worker: int = 64
    """-n: workers of the original; popsize = num_worker * num_worker_trial [orig 64; paper]."""
    num_worker_trial: int = 1
    """-t: candidates per worker [orig 1]."""
    popsize: int = 0
    """new: population size; 0 = num_worker * num_worker_trial."""
    num_episode: int = 16
    """-e: episodes per candidate; fitness is their mean [orig 16; paper]."""
    eval_steps: int = 25
    """Evaluate the mean every this many generations; 0 = never [orig 25; paper]."""
    num_eval: int = 0
    """new: episodes per evaluation of the mean; 0 = popsize * num_episode (1024 [paper])."""
    sigma_init: float = 0.1
    """Initial standard deviation [orig 0.1; paper]."""
    sigma_decay: float = 0.999
    """Per-generation sigma decay of ga/oes/pepg (CMA-ES adapts its own) [orig 0.999]."""
    weight_decay: float = 0.01
    """L2 penalty coefficient on fitness [orig es.py CMAES default 0.01]."""
    seed_start: int = 0
    """-s: seed of every episode seed of the run [orig 0; the paper also used 111]."""
    antithetic: bool = True
    """Candidates i and i + popsize/2 share episode seeds (oes also mirrors its noise) [orig 1]."""
    cma_diagonal: bool = False
    """new: --cma_diagonal 1: cma with a diagonal covariance (separable CMA-ES, pycma's CMA_diagonal),
    time and memory linear in the parameters, for controllers too large for the full covariance
    (num_params^2 floats). A run resumes with the optimiser its checkpoint holds."""
    common_seeds: bool = False
    """new: every candidate of a generation plays the same episode seeds (common random numbers), so
    with few episodes per candidate the ranking compares controllers, not how hard their tracks
    were; a fresh set of seeds each generation. Off: the original's seeding."""
    cap_time: bool = False
    """--cap_time 1: cap training episodes at 2 x (the previous generation's mean length + 1)
    frames; evaluations are never capped [orig train.py: max_len = 2*int(mean_time_step+1.0)]."""
    retrain: bool = False
    """--retrain 1: when an evaluation of the mean does not beat the best so far, move the mean
    back to the best one's params [orig train.py retrain_mode]."""
    init_from: str = ""
    """new: a new run (no checkpoint) starts its mean from this parameter file: a best.json, a
    run's '<prefix>json' or a flat list. An environment may widen it (carracing: a V-only C)."""
    max_generations: int = 0
    """-g, new: stop after this many generations in all (resumed ones count); 0 = no limit."""
    num_procs: int = 0
    """new: MPI processes including the coordinator; 0 = 1 + min(num_worker, CPUs, or the hostfile's
    slots); 1 = one process."""
    hostfile: str = ""
    """new: an MPI hostfile (a line 'host[:slots]' per machine) handed to mpiexec, to spread the
    workers over several machines as the original spread them over 64 cores; every host needs the
    repository and its .venv at the same path (README.md, "Training on several machines")."""
    worker_timeout: float = 0.0
    """new: seconds the coordinator waits for the workers' answers to one request (a generation, an
    evaluation) before it names the silent ones and ends the run (resumable); 0 = automatic: an hour
    until the first answer, then max(an hour, 10 x the longest request so far) (estool.pool)."""
    log_dir: str = "log"
    """Folder of the run's logs and checkpoint [orig 'log']."""
    fresh: bool = False
    """new: start over; existing files of the run are moved to <name>.bak-<timestamp>."""

    @property
    def population(self) -> int:
        return self.popsize or self.num_worker * self.num_worker_trial

    @property
    def eval_episodes(self) -> int:
        return self.num_eval or self.population * self.num_episode

    def procs(self) -> int:
        """MPI processes to launch: never more than 1 + CPUs (or 1 + the hostfile's slots) unless
        asked with --num_procs."""
        if self.num_procs:
            return self.num_procs
        slots = mpi.hostfile_slots(self.hostfile) if self.hostfile else mpi.available_cpus()
        return 1 + min(self.num_worker, slots)

    def validate(self) -> None:
        """The checks of the command line's options, for a config built in code too (one line each)."""
        for name, number in RANGES.items():
            number.check(getattr(self, name), f"--{name}")
        if self.population < 2:
            raise UsageError(f"the population (--popsize, else -n x -t) must be >= 2, got {self.population}")
        if self.hostfile:
            mpi.hostfile_slots(self.hostfile)  # exists and parses
        if self.optimizer.lower() not in OPTIMIZER_NAMES:
            raise UsageError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZER_NAMES)}")
        check_writable_folder(self.log_dir, "--log_dir")  # before any work, not after the first generation


# ----------------------------------------------------------------------------- command line


def _int01(text: str) -> bool:
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")
    return text == "1"


def build_parser(
    defaults: TrainConfig, description: str = "Evolve the controller with an ES."
) -> argparse.ArgumentParser:
    d = defaults
    p = argparse.ArgumentParser(description=description)
    p.add_argument("-o", "--optimizer", default=d.optimizer, choices=OPTIMIZER_NAMES)
    r = RANGES
    p.add_argument("-n", "--num_worker", type=r["num_worker"], default=d.num_worker,
                   help="popsize = num_worker * num_worker_trial")
    p.add_argument("-t", "--num_worker_trial", type=r["num_worker_trial"], default=d.num_worker_trial,
                   help="candidates per worker")
    p.add_argument("--popsize", type=r["popsize"], default=d.popsize, help="0: num_worker * num_worker_trial")
    p.add_argument("-e", "--num_episode", type=r["num_episode"], default=d.num_episode, help="episodes per candidate")
    p.add_argument("--eval_steps", type=r["eval_steps"], default=d.eval_steps,
                   help="evaluate the mean every N generations (0: never)")
    p.add_argument("--num_eval", type=r["num_eval"], default=d.num_eval,
                   help="episodes per evaluation (0: popsize*num_episode)")
    p.add_argument("--sigma_init", type=r["sigma_init"], default=d.sigma_init, help="> 0")
    p.add_argument("--sigma_decay", type=r["sigma_decay"], default=d.sigma_decay, help="in (0, 1]; 1: no decay")
    p.add_argument("--weight_decay", type=r["weight_decay"], default=d.weight_decay, help=">= 0")
    p.add_argument("-s", "--seed_start", type=r["seed_start"], default=d.seed_start)
    p.add_argument("--antithetic", type=_int01, nargs="?", const=True, default=d.antithetic, help="0 or 1")
    p.add_argument("--cma_diagonal", type=_int01, nargs="?", const=True, default=d.cma_diagonal,
                   help="1: cma with a diagonal covariance (linear in the parameters; for large controllers)")
    p.add_argument("--common_seeds", action=argparse.BooleanOptionalAction, default=d.common_seeds,
                   help="every candidate of a generation plays the same episodes (common random numbers)")
    p.add_argument("--cap_time", type=_int01, nargs="?", const=True, default=d.cap_time,
                   help="1: cap training episodes at 2x the last generation's mean length [orig]")
    p.add_argument("--retrain", type=_int01, nargs="?", const=True, default=d.retrain,
                   help="1: move the mean back to the best when an evaluation does not improve [orig]")
    p.add_argument("--init_from", default=d.init_from,
                   help="a new run starts its mean from this parameter file (best.json or a run's json)")
    p.add_argument("-g", "--max_generations", type=r["max_generations"], default=d.max_generations, help="0: no limit")
    p.add_argument("--num_procs", type=r["num_procs"], default=d.num_procs,
                   help="MPI processes (0: 1 + min(num_worker, CPUs))")
    p.add_argument("--hostfile", default=d.hostfile,
                   help="MPI hostfile ('host[:slots]' per line): run the workers on several machines")
    p.add_argument("--worker_timeout", type=r["worker_timeout"], default=d.worker_timeout, metavar="SECONDS",
                   help="end the run when a worker has not answered in this long (0: automatic, at least 1 h)")
    p.add_argument("--log_dir", default=d.log_dir)
    p.add_argument("--fresh", action="store_true", default=d.fresh, help="move old logs aside and start over")
    return p


def config_from_args(ns: argparse.Namespace, defaults: TrainConfig) -> TrainConfig:
    """The ``TrainConfig`` of parsed options, validated: an unusable --log_dir or --hostfile is one
    line here, before an environment's script reads its models."""
    cfg = replace(defaults, **{f.name: getattr(ns, f.name) for f in fields(TrainConfig) if hasattr(ns, f.name)})
    cfg.validate()
    return cfg


def parse_args(argv: Sequence[str] | None, defaults: TrainConfig = TrainConfig()) -> TrainConfig:
    ns = build_parser(defaults).parse_args(None if argv is None else list(argv))
    return config_from_args(ns, defaults)


# ----------------------------------------------------------------------------- seeds


def train_seeds(seed_start: int, generation: int, popsize: int, num_episode: int, antithetic: bool,
                common: bool = False) -> np.ndarray:
    """Episode seeds [popsize, num_episode] of a generation: a pure function of its arguments.

    With ``antithetic`` candidates i and i + popsize // 2 share their seeds [orig train.py]; with
    ``common`` every candidate gets the same row of seeds.
    """
    rng = np.random.default_rng([seed_start, 0, generation])
    if common:
        row = rng.integers(0, SEED_LIMIT, size=(1, num_episode), dtype=np.int64)
        return np.repeat(row, popsize, axis=0)
    if not antithetic:
        return rng.integers(0, SEED_LIMIT, size=(popsize, num_episode), dtype=np.int64)
    half = popsize // 2
    base = rng.integers(0, SEED_LIMIT, size=(popsize - half, num_episode), dtype=np.int64)
    return np.concatenate([base[:half], base])


def eval_seeds(seed_start: int, rows: int, num_episode: int) -> np.ndarray:
    """Seeds of every evaluation of the mean: the same each time, so evaluations compare."""
    rng = np.random.default_rng([seed_start, 1])
    return rng.integers(0, SEED_LIMIT, size=(rows, num_episode), dtype=np.int64)


# ----------------------------------------------------------------------------- the run


def main(argv: Sequence[str] | None, defaults: TrainConfig, env_name: str, num_params: int,
         make_evaluator: MakeEvaluator) -> None:
    """Parse, re-launch under MPI when useful, run."""
    launch(parse_args(argv, defaults), env_name, num_params, make_evaluator)


def launch(cfg: TrainConfig, env_name: str, num_params: int, make_evaluator: MakeEvaluator,
           start_mean: np.ndarray | None = None) -> None:
    cfg.validate()
    mpi.ensure_mpi(cfg.procs(), cfg.hostfile, partial(resume_hint, _files(cfg, env_name).checkpoint))
    run(cfg, env_name, num_params, make_evaluator, start_mean)


def _files(cfg: TrainConfig, env_name: str) -> RunFiles:
    return RunFiles.for_run(cfg.log_dir, env_name, cfg.optimizer, cfg.num_episode, cfg.population)


def resume_hint(checkpoint: Path) -> str:
    """The end of an error line that stops a run: what its checkpoint holds, and the command that
    resumes it (this one again, less --fresh)."""
    if not checkpoint.exists():
        return f"no generation was saved ({checkpoint} does not exist yet): start again with: {mpi.resume_command()}"
    try:
        saved = f"generation {load_checkpoint(checkpoint).generation} is saved in {checkpoint}"
    except Exception as err:  # noqa: BLE001 - a report must not fail: say what went wrong instead
        saved = f"the checkpoint {checkpoint} could not be read ({err})"
    return f"{saved}: resume with: {mpi.resume_command()}"


def run(cfg: TrainConfig, env_name: str, num_params: int, make_evaluator: MakeEvaluator,
        start_mean: np.ndarray | None = None) -> None:
    """Train until ``cfg.max_generations`` (forever when 0). Every rank of an MPI job calls this.
    ``start_mean``: where a new run (no checkpoint) starts the mean, instead of the optimiser's 0."""
    cfg.validate()
    comm = mpi.get_comm()
    if comm is not None and comm.Get_size() > 1:
        mpi.hello_launcher(comm.Get_rank())  # the launcher names this rank if it dies (estool.mpi)
        if comm.Get_rank() != 0:
            worker_loop(comm, make_evaluator)
            mpi.tell_launcher("bye")
            return
        pool: LocalPool | MPIPool = MPIPool(comm, cfg.worker_timeout,
                                            partial(resume_hint, _files(cfg, env_name).checkpoint))
    else:
        pool = LocalPool(make_evaluator)
    try:
        _coordinate(cfg, env_name, num_params, pool, start_mean)
    except KeyboardInterrupt:  # every rank got the SIGINT; the checkpoint is complete
        mpi.tell_launcher("bye")
        raise
    except UsageError:
        if isinstance(pool, MPIPool):
            pool.close()  # raised between generations, when workers are idle: let them exit
        mpi.tell_launcher("bye")  # cli_main prints the error line
        raise
    except BaseException as err:
        if isinstance(pool, MPIPool):  # workers would wait forever for a task
            traceback.print_exc()
            pool.abort(f"coordinator failed: {type(err).__name__}: {err}")
        raise
    pool.close()
    mpi.tell_launcher("done")  # the run's results are written: a worker that hangs now is killed


def _start_state(cfg: TrainConfig, num_params: int, files: RunFiles, start_mean: np.ndarray | None = None,
                 env_name: str = "") -> TrainState:
    """Resume from the checkpoint, or start a new run (its mean from ``start_mean``, else from
    ``--init_from``, else the optimiser's 0)."""
    start_mu, start_from = None, "the given start mean"
    if start_mean is not None:
        start_mu = np.asarray(start_mean, np.float64)
        if start_mu.shape != (num_params,):
            raise UsageError(f"the start mean has shape {start_mu.shape}, expected ({num_params},)")
        start_from = cfg.init_from or start_from
    elif cfg.init_from and (cfg.fresh or not files.checkpoint.exists()):
        start_from = cfg.init_from
        start_mu = load_params(cfg.init_from, num_params)  # read before --fresh moves a run's own json aside
    if cfg.fresh:
        for moved in files.backup():
            logger.info("moved aside: %s", moved)
    if files.checkpoint.exists():
        state = load_checkpoint(files.checkpoint)
        if env_name and state.env_name not in ("", env_name):  # "": a checkpoint written before it was kept
            raise UsageError(
                f"checkpoint {files.checkpoint} was written by a run of {state.env_name}, not {env_name}: move it out "
                f"of {cfg.log_dir}, or re-run with --fresh to start over (the old files are moved aside, not deleted)")
        if (state.num_params, state.popsize) != (num_params, cfg.population):
            raise UsageError(
                f"checkpoint {files.checkpoint} is for {state.num_params} params and popsize {state.popsize}, "
                f"not {num_params} and {cfg.population}; re-run with --fresh to start over")
        logger.info("resuming from generation %d", state.generation)
        held = bool(getattr(state.es, "diagonal", False))  # checkpoints written before the option: full
        if cfg.optimizer.lower() == "cma" and held != cfg.cma_diagonal:
            logger.warning("the checkpoint's CMA-ES has a %s covariance and keeps it (--cma_diagonal %d applies to "
                           "new runs: --fresh)", "diagonal" if held else "full", cfg.cma_diagonal)
        return state
    try:
        es = make_optimizer(cfg.optimizer, num_params, cfg.population, sigma_init=cfg.sigma_init,
                            sigma_decay=cfg.sigma_decay, weight_decay=cfg.weight_decay,
                            antithetic=cfg.antithetic, seed=cfg.seed_start, cma_diagonal=cfg.cma_diagonal)
    except ValueError as err:
        raise UsageError(str(err)) from err
    if start_mu is not None:
        es.set_mu(start_mu)
        logger.info("starting the mean from %s", start_from)
    return TrainState(es=es, num_params=num_params, popsize=cfg.population, optimizer=cfg.optimizer,
                      env_name=env_name)


def _coordinate(cfg: TrainConfig, env_name: str, num_params: int, pool: LocalPool | MPIPool,
                start_mean: np.ndarray | None = None) -> None:
    files = _files(cfg, env_name)
    state = _start_state(cfg, num_params, files, start_mean, env_name)
    write_logs(files, state)  # drops anything logged after the last checkpoint
    optimizer = cfg.optimizer + (" (diagonal covariance)" if getattr(state.es, "diagonal", False) else "")
    logger.info("training %s: %s, popsize %d, %d episodes per candidate, %d params, %d worker process(es), logs %s*",
                env_name, optimizer, cfg.population, cfg.num_episode, num_params, pool.num_workers, files.prefix)
    session_start, elapsed_before = time.monotonic(), state.elapsed
    while cfg.max_generations <= 0 or state.generation < cfg.max_generations:
        gen = state.generation + 1
        solutions = state.es.ask()
        seeds = train_seeds(cfg.seed_start, gen, cfg.population, cfg.num_episode, cfg.antithetic,
                            cfg.common_seeds)
        max_len = 2 * int(state.prev_mean_steps + 1.0) if cfg.cap_time and state.generation else 0
        rewards, steps = pool.evaluate(solutions, seeds, max_len, True)
        fitness = rewards.mean(axis=1)
        state.es.tell(fitness)  # the optimiser applies the weight decay
        state.elapsed = elapsed_before + time.monotonic() - session_start
        row = hist_row(gen, state.elapsed, fitness, state.es.rms_stdev(), steps)
        state.history.append(row)
        state.prev_mean_steps = float(np.mean(steps))
        print(f"{env_name} gen {gen} avg {row[2]:.2f} min {row[3]:.2f} max {row[4]:.2f} std {row[5]:.2f} "
              f"sigma {row[6]:.4g} steps {row[7]:.1f}/{row[8]} time {row[1]:.1f}s", flush=True)
        if cfg.eval_steps > 0 and gen % cfg.eval_steps == 0:
            _evaluate_mean(cfg, state, pool, gen)
        state.generation = gen
        save_checkpoint(files.checkpoint, state)
        write_logs(files, state)
    print(f"done: {state.generation} generations; best evaluation {state.best_eval_reward}", flush=True)


def _evaluate_mean(cfg: TrainConfig, state: TrainState, pool: LocalPool | MPIPool, gen: int) -> None:
    """Score the current mean on ``eval_episodes`` fixed-seed episodes; keep the best [orig train.py]."""
    mean = state.es.current_param()
    rows = math.ceil(cfg.eval_episodes / cfg.num_episode)
    rewards, _ = pool.evaluate(np.tile(mean, (rows, 1)), eval_seeds(cfg.seed_start, rows, cfg.num_episode), 0, False)
    reward = float(rewards.ravel()[: cfg.eval_episodes].mean())
    prev = state.best_eval_reward if state.best_eval_reward is not None else reward
    if state.best_eval_reward is None or reward > state.best_eval_reward:
        state.best_eval_reward, state.best_eval_params = reward, [float(v) for v in mean]
    elif cfg.retrain and state.best_eval_params is not None:
        state.es.set_mu(np.asarray(state.best_eval_params))
        logger.info("reset the mean to the best params (eval reward %.2f)", state.best_eval_reward)
    best = state.best_eval_reward
    state.eval_log.append([gen, reward, best])
    state.hist_best.append([gen, round(state.elapsed, 2), "improvement", reward - prev, "curr", reward,
                            "prev", prev, "best", best])
    print(f"eval gen {gen}: reward {reward:.2f} over {cfg.eval_episodes} episodes, best {best:.2f}", flush=True)
