"""The training driver in one process: options, seeds, logs, checkpoints and resuming."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from estool import mpi
from estool.logs import RunFiles, load_checkpoint, load_params
from estool.toy import ToyEvaluator, ToyProblem
from estool.train import TrainConfig, eval_seeds, parse_args, run, train_seeds
from worldmodels.fileio import WorldModelsError

DIM = 5


@pytest.fixture(autouse=True)
def _no_mpi(monkeypatch):
    for var in mpi._MPI_ENV_VARS:
        monkeypatch.delenv(var, raising=False)


def _cfg(tmp_path: Path, **kw) -> TrainConfig:
    base = {"num_worker": 6, "num_episode": 3, "eval_steps": 4, "log_dir": str(tmp_path / "log"), "num_procs": 1}
    return TrainConfig(**{**base, **kw})


def _files(cfg: TrainConfig, env: str = "toy") -> RunFiles:
    return RunFiles.for_run(cfg.log_dir, env, cfg.optimizer, cfg.num_episode, cfg.population)


def _toy(**kw):
    return lambda: ToyEvaluator(ToyProblem(noise=0.1, **kw))


def _hist(cfg: TrainConfig) -> list[list]:
    return json.loads(_files(cfg).path("hist").read_text())


def test_parse_args_defaults_and_original_flags():
    assert parse_args([]) == TrainConfig()
    assert parse_args([], TrainConfig(num_worker=32)).num_worker == 32  # an environment's own defaults
    cfg = parse_args(["-o", "ses", "-n", "8", "-t", "2", "--num_episode", "4", "--antithetic", "0", "--cap_time",
                      "1", "--retrain", "1", "-s", "111", "-g", "7", "--fresh"])
    assert (cfg.optimizer, cfg.num_worker, cfg.population, cfg.num_episode) == ("ses", 8, 16, 4)
    assert (cfg.antithetic, cfg.cap_time, cfg.retrain, cfg.seed_start, cfg.max_generations, cfg.fresh) == (
        False, True, True, 111, 7, True)
    assert parse_args(["--cap_time", "--retrain"]) == parse_args(["--cap_time", "1", "--retrain", "1"])
    for flag in ("--cap_time", "--retrain"):  # the original took 0 or 1; any other value is refused
        with pytest.raises(SystemExit):
            parse_args([flag, "2"])
    assert cfg.eval_episodes == 64
    assert parse_args(["--popsize", "10", "--num_eval", "5"]).population == 10
    with pytest.raises(SystemExit):
        parse_args(["--antithetic", "2"])


def test_cma_diagonal_option_reaches_the_optimiser_and_stays_with_the_checkpoint(tmp_path, caplog):
    assert not parse_args([]).cma_diagonal
    assert parse_args(["--cma_diagonal"]).cma_diagonal and not parse_args(["--cma_diagonal", "0"]).cma_diagonal
    assert parse_args([], TrainConfig(cma_diagonal=True)).cma_diagonal  # an environment's default
    caplog.set_level(logging.INFO, logger="estool")
    run(_cfg(tmp_path, cma_diagonal=True, max_generations=2), "toy", DIM, _toy())
    cfg = _cfg(tmp_path, cma_diagonal=True)
    assert load_checkpoint(_files(cfg).checkpoint).es.diagonal
    assert "training toy: cma (diagonal covariance), popsize 6" in caplog.text
    run(_cfg(tmp_path, max_generations=3), "toy", DIM, _toy())  # resumed without the flag: still diagonal
    assert load_checkpoint(_files(cfg).checkpoint).es.diagonal
    assert "the checkpoint's CMA-ES has a diagonal covariance and keeps it" in caplog.text


def test_procs_default_never_exceeds_cpus(monkeypatch):
    monkeypatch.setattr(mpi, "available_cpus", lambda: 2)
    assert TrainConfig(num_worker=64).procs() == 3
    assert TrainConfig(num_worker=1).procs() == 2
    assert TrainConfig(num_worker=64, num_procs=5).procs() == 5


def test_seeds_are_deterministic_and_antithetic_pairs_share():
    a = train_seeds(0, 3, 7, 4, antithetic=True)
    assert a.shape == (7, 4) and a.dtype == np.int64
    np.testing.assert_array_equal(a, train_seeds(0, 3, 7, 4, antithetic=True))
    np.testing.assert_array_equal(a[:3], a[3:6])  # candidate i and i + 7 // 2
    assert not np.array_equal(a, train_seeds(0, 4, 7, 4, antithetic=True))
    assert not np.array_equal(a, train_seeds(1, 3, 7, 4, antithetic=True))
    b = train_seeds(0, 3, 6, 4, antithetic=False)
    assert len(np.unique(b)) == b.size
    np.testing.assert_array_equal(eval_seeds(0, 5, 4), eval_seeds(0, 5, 4))


def test_common_seeds_give_every_candidate_the_same_new_episodes():
    c = train_seeds(0, 3, 7, 4, antithetic=True, common=True)
    assert c.shape == (7, 4) and (c == c[0]).all(), c
    assert len(np.unique(c[0])) == 4, c[0]
    assert not np.array_equal(c[0], train_seeds(0, 4, 7, 4, antithetic=True, common=True)[0])
    assert parse_args(["--common_seeds"]).common_seeds and not parse_args([]).common_seeds


def test_run_writes_the_original_log_formats(tmp_path):
    cfg = _cfg(tmp_path, max_generations=8)
    run(cfg, "toy", DIM, _toy())
    files = _files(cfg)
    assert files.prefix.endswith("log/toy.cma.3.6.")
    hist = _hist(cfg)
    assert [r[0] for r in hist] == list(range(1, 9))
    assert all(len(r) == 9 for r in hist)
    _gen, secs, avg, lo, hi, std, sigma, mean_steps, max_steps = hist[-1]
    assert lo <= avg <= hi and std >= 0 and sigma > 0 and 50 <= mean_steps <= max_steps <= 100
    assert isinstance(max_steps, int) and secs >= 0
    mean = json.loads(files.path("json").read_text())
    assert len(mean) == 1 and len(mean[0]) == DIM  # [params], as the original wrote it
    params, best = json.loads(files.path("best").read_text())
    assert len(params) == DIM and isinstance(best, float)
    log = json.loads(files.path("log").read_text())
    assert [row[0] for row in log] == [4, 8] and log[-1][2] == best == max(row[1] for row in log)
    hist_best = json.loads(files.path("hist_best").read_text())
    assert [row[2::2] for row in hist_best] == [["improvement", "curr", "prev", "best"]] * 2
    assert load_params(files.path("best"), DIM).shape == (DIM,)
    assert load_params(files.path("json"), DIM).shape == (DIM,)


@pytest.mark.parametrize("optimizer", ["cma", "oes"])
def test_resume_continues_exactly(tmp_path, optimizer):
    whole = _cfg(tmp_path / "a", optimizer=optimizer, max_generations=10)
    run(whole, "toy", DIM, _toy())
    part = _cfg(tmp_path / "b", optimizer=optimizer, max_generations=6)
    run(part, "toy", DIM, _toy())
    assert load_checkpoint(_files(part).checkpoint).generation == 6
    run(_cfg(tmp_path / "b", optimizer=optimizer, max_generations=10), "toy", DIM, _toy())
    a, b = np.array(_hist(whole)), np.array(_hist(part))
    np.testing.assert_array_equal(b[:, 0], np.arange(1, 11))  # consecutive, no duplicates
    np.testing.assert_array_equal(a[:, 2:], b[:, 2:])  # same fitness as the uninterrupted run
    assert json.loads(_files(whole).path("best").read_text()) == json.loads(_files(part).path("best").read_text())


def test_resume_drops_generations_logged_after_the_checkpoint(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="estool")
    cfg = _cfg(tmp_path, max_generations=3)
    run(cfg, "toy", DIM, _toy())
    files = _files(cfg)
    stale = _hist(cfg) + [[4, 0.0, 0, 0, 0, 0, 0, 0, 0]]  # as if killed between two writes
    files.path("hist").write_text(json.dumps(stale))
    run(_cfg(tmp_path, max_generations=5), "toy", DIM, _toy())
    assert "resuming from generation 3" in caplog.text
    assert [r[0] for r in _hist(cfg)] == [1, 2, 3, 4, 5]


def test_fresh_moves_old_files_aside(tmp_path):
    cfg = _cfg(tmp_path, max_generations=2)
    run(cfg, "toy", DIM, _toy())
    run(_cfg(tmp_path, max_generations=1, fresh=True), "toy", DIM, _toy())
    assert len(_hist(cfg)) == 1
    backups = sorted(p.name for p in Path(cfg.log_dir).glob("*.bak-*"))
    assert any(name.startswith("toy.cma.3.6.hist.json.bak-") for name in backups)
    assert any(name.startswith("toy.cma.3.6.es.pkl.bak-") for name in backups)


def test_init_from_starts_from_a_parameter_file(tmp_path):
    cfg = _cfg(tmp_path, optimizer="oes", max_generations=1)
    files = _files(cfg)
    files.path("json").parent.mkdir(parents=True)
    files.path("json").write_text(json.dumps([[0.5] * DIM]))
    run(_cfg(tmp_path, optimizer="oes", max_generations=1, init_from=str(files.path("json")), fresh=True), "toy",
        DIM, _toy())  # a run's own json, read before --fresh moves it aside
    hist = _hist(cfg)
    assert hist[0][4] > -0.1  # candidates start near the optimum (0.5, ...), not at zero (-1.25)


def test_start_mean_starts_a_new_run_only(tmp_path):
    cfg = _cfg(tmp_path, optimizer="oes", max_generations=1)
    with pytest.raises(WorldModelsError, match="start mean has shape"):
        run(cfg, "toy", DIM, _toy(), start_mean=np.zeros(DIM + 1))
    run(cfg, "toy", DIM, _toy(), start_mean=np.full(DIM, 0.5))
    assert _hist(cfg)[0][4] > -0.1  # candidates start near the optimum (0.5, ...), not at zero (-1.25)
    run(_cfg(tmp_path, optimizer="oes", max_generations=2), "toy", DIM, _toy(), start_mean=np.full(DIM, 9.0))
    assert _hist(cfg)[1][4] > -0.1  # resumed from the checkpoint: the start mean is not used again


def test_mismatched_checkpoint_is_a_clear_error(tmp_path):
    run(_cfg(tmp_path, max_generations=1), "toy", DIM, _toy())
    with pytest.raises(WorldModelsError, match="--fresh"):
        run(_cfg(tmp_path, max_generations=2), "toy", DIM + 1, _toy())


def test_a_checkpoint_of_another_environment_is_refused_by_name(tmp_path):
    """A checkpoint records its environment: another one's, under this run's file name (copied or
    renamed), is refused before anything is written; one written before it was recorded resumes."""
    cfg = _cfg(tmp_path, max_generations=1)
    run(cfg, "other", DIM, _toy())
    files = _files(cfg)
    _files(cfg, "other").checkpoint.rename(files.checkpoint)
    with pytest.raises(WorldModelsError, match=r"was written by a run of other, not toy: move it out of .*--fresh"):
        run(_cfg(tmp_path, max_generations=2), "toy", DIM, _toy())
    assert not files.path("hist").exists()  # nothing written
    state = load_checkpoint(files.checkpoint)
    del state.env_name  # as unpickled from a checkpoint of before: the class's default, ""
    from estool.logs import save_checkpoint
    save_checkpoint(files.checkpoint, state)
    run(_cfg(tmp_path, max_generations=2), "toy", DIM, _toy())
    assert load_checkpoint(files.checkpoint).generation == 2


def test_options_out_of_range_are_refused_for_configs_built_in_code_too(tmp_path):
    for bad, line in ((dict(weight_decay=float("nan")), "--weight_decay must be a finite number >= 0, got nan"),
                      (dict(sigma_decay=-0.5), r"--sigma_decay must be a finite number in \(0, 1\], got -0.5"),
                      (dict(seed_start=-1), r"--seed_start must be an integer in \[0, 2147483647\], got -1"),
                      (dict(log_dir=str(tmp_path / "f" / "log")), "f is a file, not a folder")):
        (tmp_path / "f").write_text("")
        with pytest.raises(WorldModelsError, match=line):
            _cfg(tmp_path, **bad).validate()


def test_nan_fitness_is_a_clear_error(tmp_path):
    with pytest.raises(WorldModelsError, match="reward nan for candidate 0, episode 0"):
        run(_cfg(tmp_path, max_generations=2), "toy", DIM, _toy(nan=True))


def test_cap_time_caps_episodes_at_twice_the_mean_as_the_original(tmp_path):
    seen: list[tuple[int, bool]] = []

    class Recorder(ToyEvaluator):
        def evaluate(self, params, seeds, max_len, train_mode):
            seen.append((max_len, train_mode))
            return super().evaluate(params, seeds, max_len, train_mode)

    run(_cfg(tmp_path, max_generations=4, cap_time=True), "toy", DIM, lambda: Recorder())
    hist = _hist(_cfg(tmp_path))
    assert seen[0] == (0, True)  # no previous generation: no cap
    assert seen[1][0] == 2 * int(hist[0][7] + 1.0) and seen[1][1]  # [orig train.py: 2*int(mean_time_step+1.0)]
    assert hist[2][8] <= seen[2][0]  # episodes really were cut
    assert seen[-1] == (0, False)  # evaluations of the mean are never capped


def test_retrain_moves_the_mean_back_to_the_best_as_the_original(tmp_path):
    evals: list[float] = [0.0, -5.0]

    class Worse(ToyEvaluator):
        def evaluate(self, params, seeds, max_len, train_mode):
            rewards, steps = super().evaluate(params, seeds, max_len, train_mode)
            return (rewards if train_mode else np.full(rewards.shape, evals.pop(0))), steps

    cfg = _cfg(tmp_path, optimizer="oes", max_generations=8, retrain=True)
    run(cfg, "toy", DIM, lambda: Worse())
    state = load_checkpoint(_files(cfg).checkpoint)
    np.testing.assert_array_equal(state.es.current_param(), state.best_eval_params)
    assert [row[1:] for row in state.eval_log] == [[0.0, 0.0], [-5.0, 0.0]]


def test_ensure_mpi_falls_back_without_mpiexec(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    mpi.ensure_mpi(3)  # returns: no mpiexec next to this "python"
    assert "training in one process" in caplog.text and caplog.records[-1].levelname == "WARNING"
    caplog.clear()
    monkeypatch.setenv(mpi.IN_MPI_MARKER, "1")
    mpi.ensure_mpi(3)  # already under MPI: returns silently
    assert caplog.text == ""


def test_relaunch_command(monkeypatch):
    script = types.ModuleType("__main__")  # started as ``python carracing/train.py``: no __spec__
    monkeypatch.setitem(sys.modules, "__main__", script)
    cmd = mpi.relaunch_command(4, ["carracing/train.py", "-n", "8"])
    assert cmd[0].endswith("mpiexec") and cmd[1:4] == ["-n", "4", sys.executable]
    assert cmd[-3:] == ["carracing/train.py", "-n", "8"]
    script.__spec__ = importlib.util.find_spec("estool.toy_train")  # ``python -m estool.toy_train``
    assert mpi.relaunch_command(2, ["/x/toy_train.py", "-g", "3"])[-4:] == ["-m", "estool.toy_train", "-g", "3"]


def test_resume_command_is_the_same_command_without_fresh(monkeypatch, tmp_path):
    script = types.ModuleType("__main__")  # ``python train.py ...``
    monkeypatch.setitem(sys.modules, "__main__", script)
    monkeypatch.chdir(tmp_path)
    line = mpi.resume_command(["train.py", "-n", "8", "--fresh", "--log_dir", "my log", "--fres", "-g", "3"])
    assert line == f"cd {tmp_path} && {sys.executable} train.py -n 8 --log_dir 'my log' -g 3"
    script.__spec__ = importlib.util.find_spec("estool.toy_train")  # ``python -m estool.toy_train``
    assert mpi.resume_command(["/x/toy_train.py", "-g", "3"]).endswith(f"{sys.executable} -m estool.toy_train -g 3")
