"""Bag capacity 100 (README.md, "Capacity 100"): the models are sized by the distribution's capacity
(``config.spec_for``), the model steps without --distribution by the capacity of their data, and V
or M of another capacity is one error line naming what to do. The pipeline itself at capacity 100:
test_miniature.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from binpacking import config
from binpacking.config import SPEC, check_distribution, model_files, spec_for, step_spec
from worldmodels.data import Series, save_episode
from worldmodels.fileio import WorldModelsError

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "binpacking"


def run(script: str, *args: str, workdir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BINPACKING_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(HERE / script), *args], env=env, cwd=HERE, capture_output=True,
                          text=True, timeout=300)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr[-2000:]
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr.strip()


# ----------------------------------------------------------------------------- sizes


def test_capacity_9_is_the_shipped_sizes_and_100_its_own():
    assert spec_for(9) is SPEC and spec_for(100) is spec_for(100)
    nine, hundred = spec_for(9), spec_for(100)
    assert (nine.vae.z_size, nine.rnn.action_size, nine.controller.num_params, nine.dream.max_steps) == \
        (32, 9, 2601, 1000)
    # README.md: z = 64 at capacity 100, C (64 + 256) x 100 + 100
    assert (hundred.vae.z_size, hundred.rnn.z_size, hundred.rnn.action_size, hundred.controller.output_size) == \
        (64, 64, 100, 100)
    assert hundred.controller.num_params == 32_100 and hundred.dream.max_steps == 10_000
    assert hundred.rnn.input_size == 64 + 100 + 1  # z, the one-hot action, the restart flag
    # the rest is capacity 9's
    assert (hundred.rnn.hidden_units, hundred.rnn.seq_len, hundred.dream.temperature, hundred.paths) == \
        (nine.rnn.hidden_units, nine.rnn.seq_len, nine.dream.temperature, nine.paths)
    assert not config.SIZES[9].cma_diagonal and config.SIZES[100].cma_diagonal


@pytest.mark.parametrize("bad", [12, 0, 9.0, True, "9", None])
def test_spec_for_refuses_a_capacity_without_sizes(bad):
    with pytest.raises(WorldModelsError, match=f"sized for bag capacity 9 or 100 .*not {bad!r}"):
        spec_for(bad)


def test_check_distribution_gives_the_models_of_its_capacity():
    assert check_distribution("perfect_pack") is SPEC and check_distribution("all") is SPEC
    assert check_distribution("9:2,3:0.6,0.4") is SPEC
    assert check_distribution("perfect_pack_large") is spec_for(100)
    assert check_distribution("bounded_waste_large+linear_waste_large", items=50) is spec_for(100)
    with pytest.raises(WorldModelsError, match="sized for bag capacity 9 or 100.*'12:2,3:0.5,0.5' has capacity 12"):
        check_distribution("12:2,3:0.5,0.5")
    with pytest.raises(WorldModelsError, match="sized for bag capacity 9;"):  # Dopamine's Rainbow: 9 alone
        check_distribution("perfect_pack_large", capacities=(9,))


def test_train_defaults_follow_the_capacity():
    from binpacking.train import DREAM_DEFAULTS, REAL_DEFAULTS, train_defaults
    assert train_defaults(False, SPEC) == DREAM_DEFAULTS and train_defaults(True, SPEC) == REAL_DEFAULTS
    big = train_defaults(False, spec_for(100))
    assert big.cma_diagonal and big.num_episode == DREAM_DEFAULTS.num_episode and big.optimizer == "cma"
    assert train_defaults(True, spec_for(100)).cma_diagonal


def test_shipped_files_of_each_capacity():
    trained = HERE / "trained"
    assert model_files("linear_waste_large").controller == \
        trained / "capacity100" / "binpacking.perfect_pack_large.best.json"  # no C of its own: Sizes.fallback
    big = model_files("bounded_waste_large")
    assert big.vae == trained / "capacity100" / "vae.npz" and big.rnn == trained / "capacity100" / "rnn.npz"
    assert big.controller.name == "binpacking.bounded_waste_large.best.json"
    assert model_files("all").controller == trained / "binpacking.linear_waste.best.json"  # capacity 9 as before
    assert config.dream_files("perfect_pack_large").vae == trained / "capacity100" / "vae.npz"
    assert config.dream_files("perfect_pack").vae == trained / "vae.npz"


# ----------------------------------------------------------------------------- the data decides


def _record(folder: Path, width: int) -> None:
    folder.mkdir(parents=True)
    action = np.zeros((2, width), np.float32)
    action[:, 0] = 1
    save_episode(folder / "0_0_00000.npz", np.zeros((2, 64, 64, 3), np.uint8), action)


def _series(path: Path, width: int, z: int) -> None:
    path.parent.mkdir(parents=True)
    Series(mu=np.zeros((3, z)), logvar=np.zeros((3, z)), action=np.zeros((3, width)),
           episode_lengths=np.array([3])).save(path)


def test_the_model_steps_take_the_capacity_of_their_data(tmp_path):
    assert step_spec("vae_train", ["--record_dir", str(tmp_path / "none")]) is SPEC  # no data: the step says so
    _record(tmp_path / "r100", 100)
    _record(tmp_path / "r9", 9)
    for step in ("vae_train", "series"):
        assert step_spec(step, ["--record_dir", str(tmp_path / "r100"), "--epochs", "1"]) is spec_for(100)
        assert step_spec(step, ["--record_dir", str(tmp_path / "r9")]) is SPEC
    _series(tmp_path / "s100" / "series.npz", 100, 64)
    for step in ("rnn_train", "fit_mask"):
        assert step_spec(step, ["--series", str(tmp_path / "s100" / "series.npz")]) is spec_for(100)
    _record(tmp_path / "r12", 12)
    with pytest.raises(WorldModelsError, match="not 12: the actions in .*r12 have width 12"):
        step_spec("vae_train", ["--record_dir", str(tmp_path / "r12")])


def test_series_refuses_a_V_of_the_other_capacity(tmp_path):
    _record(tmp_path / "record", 100)
    line = one_error_line(run("series.py", "--vae", "trained/vae.npz", workdir=tmp_path))
    assert "trained/vae.npz is a V for bag capacity 9, but the episodes in" in line
    assert "are of capacity 100: give --vae of a capacity-100 run" in line
    assert not (tmp_path / "series").exists()


# ----------------------------------------------------------------------------- V or M of another capacity


def test_train_with_a_capacity_9_M_on_a_capacity_100_distribution_is_one_line(tmp_path):
    """The dream's M and the real run's V of capacity 9 with perfect_pack_large: one line naming
    the capacities and the way out; nothing written."""
    dream = ("--distribution", "perfect_pack_large", "--rnn", "trained/dream/perfect_pack/rnn.npz",
             "--initial_z", "trained/dream/perfect_pack/initial_z.json", "-g", "1")
    line = one_error_line(run("train.py", *dream, workdir=tmp_path))
    assert line == ("error: trained/dream/perfect_pack/rnn.npz is an M for bag capacity 9, but distribution "
                    "'perfect_pack_large' has capacity 100: give --rnn of a capacity-100 run (extract.py "
                    "--distribution perfect_pack_large, then vae_train.py, series.py, rnn_train.py: README.md, "
                    "\"Capacity 100\"), or a distribution of capacity 9")
    real = ("--real", "--distribution", "bounded_waste_large", "--vae", "trained/vae.npz", "--rnn", "trained/rnn.npz")
    line = one_error_line(run("train.py", *real, "-g", "1", workdir=tmp_path))
    assert line.startswith("error: trained/vae.npz is a V for bag capacity 9, but distribution 'bounded_waste_large'")
    assert list(tmp_path.iterdir()) == []


def test_model_with_a_capacity_100_M_on_a_capacity_9_distribution_is_one_line(tmp_path):
    from worldmodels.mdnrnn import RNNWeights
    rnn = tmp_path / "rnn100.npz"
    RNNWeights.random(spec_for(100).rnn, np.random.default_rng(0)).save(rnn, spec_for(100).rnn)
    line = one_error_line(run("model.py", "binpacking", "norender", "trained/binpacking.perfect_pack.best.json",
                              "--distribution", "perfect_pack", "--rnn", str(rnn), "--episodes", "1",
                              workdir=tmp_path))
    assert f"{rnn} is an M for bag capacity 100, but distribution 'perfect_pack' has capacity 9" in line
    assert "or a distribution of capacity 100" in line


def test_ship_refuses_to_mix_capacities(tmp_path):
    line = one_error_line(run("ship.py", "--distributions", "perfect_pack", "perfect_pack_large", workdir=tmp_path))
    assert "mix bag capacities [9, 100]" in line
    line = one_error_line(run("ship.py", "--distributions", "perfect_pack_large", workdir=tmp_path))
    assert "not found: finish the pipeline" in line  # nothing trained in tmp_path
    line = one_error_line(run("ship.py", "--distributions", "perfect_pack_large", "--log_name", "../x.",
                              workdir=tmp_path))
    assert "--log_name is a file prefix such as binpacking.cma.2.32., got '../x.'" in line


def test_capacity_100_run_script_needs_its_work_folder(tmp_path):
    """runs/issue27/capacity100.bash (the shipped capacity-100 run) parses, and without WORKDIR it
    stops before writing anything, saying what to set."""
    script = HERE / "runs" / "issue27" / "capacity100.bash"
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "WORKDIR"}
    result = subprocess.run(["bash", str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "set WORKDIR" in result.stderr, result.stderr
    assert not any(tmp_path.iterdir())


# ----------------------------------------------------------------------------- extract.py and dream.bash


@pytest.mark.parametrize("distribution,episodes,width", [("perfect_pack", 200, 9), ("bounded_waste_large", 20, 100)])
def test_extract_defaults_follow_the_capacity(tmp_path, distribution, episodes, width):
    result = run("extract.py", "--distribution", distribution, "--max_frames", "2", "--no_progress", workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    records = sorted((tmp_path / "record").glob("*.npz"))
    assert len(records) == episodes  # config.SIZES: 200 episodes a worker at capacity 9, 20 at 100
    with np.load(records[0]) as ep:
        assert ep["action"].shape == (2, width) and ep["mask"].shape == (2, width)


def test_extract_plays_a_capacity_100_episode_of_10000_items(tmp_path):
    result = run("extract.py", "--distribution", "perfect_pack_large", "--num_episodes", "1", "--no_progress",
                 workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    with np.load(next((tmp_path / "record").glob("*.npz"))) as ep:
        assert ep["obs"].shape == (10_000, 64, 64, 3) and ep["action"].shape == (10_000, 100)
        assert ep["done"][-1] == 1.0 and ep["done"][:-1].sum() == 0
        assert ep["mask"][ep["action"].astype(bool)].all()  # only valid moves


def test_dream_settings_of_each_capacity(capsys):
    config.print_dream_settings(["perfect_pack"])
    config.print_dream_settings(["perfect_pack_large"])
    assert capsys.readouterr().out.splitlines() == ["trained/vae.npz 400 50 200", "trained/capacity100/vae.npz 40 5 20"]


def test_dream_bash_with_a_bad_distribution_is_one_line(tmp_path):
    env = {**os.environ, "BINPACKING_WORKDIR": str(tmp_path / "w")}
    result = subprocess.run(["bash", str(HERE / "dream.bash"), "12:2,3:0.5,0.5"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert one_error_line(result).endswith("distribution '12:2,3:0.5,0.5' has capacity 12")
    assert not (tmp_path / "w").exists()
