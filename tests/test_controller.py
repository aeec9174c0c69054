"""C: parameter layout, the generic actions (tanh, argmax with masks), how an environment's action
mapping is found, batched parameters, feature order. (Each game's own mapping is tested with its
adapter: tests/envs/test_carracing.py, tests/envs/test_doom.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from worldmodels import controller
from worldmodels.config import ControllerConfig
from worldmodels.controller import Controller
from worldmodels.fileio import WorldModelsError


def test_split_params_bias_then_row_major_w():
    cfg = ControllerConfig(input_size=4, output_size=3, use_bias=True)
    assert cfg.num_params == 15
    params = np.arange(15, dtype=np.float32)
    w, b = controller.split_params(cfg, params)
    np.testing.assert_array_equal(b, [0, 1, 2])
    assert w.shape == (4, 3)
    for i in range(4):
        for o in range(3):
            assert w[i, o] == 3 + i * 3 + o  # params[out + i * out + o]


def test_split_params_without_bias_and_batched():
    cfg = ControllerConfig(input_size=3, output_size=2, use_bias=False)
    assert cfg.num_params == 6
    params = np.arange(12, dtype=np.float32).reshape(2, 6)
    w, b = controller.split_params(cfg, params)
    assert w.shape == (2, 3, 2) and b.shape == (2, 2)
    np.testing.assert_array_equal(b, 0)
    np.testing.assert_array_equal(w[1], [[6, 7], [8, 9], [10, 11]])
    with pytest.raises(AssertionError):
        controller.split_params(cfg, np.zeros(7))


def test_design_parameter_counts():
    assert ControllerConfig().num_params == 867  # CarRacing: 3 + 288 x 3
    assert ControllerConfig(input_size=1088, output_size=1, use_bias=False).num_params == 1088  # Doom


def test_tanh_act_is_tanh_of_affine_for_game_and_m():
    cfg = ControllerConfig(input_size=5, output_size=3, use_bias=True, action="tanh", features="zh")
    rng = np.random.default_rng(0)
    params = rng.standard_normal(cfg.num_params).astype(np.float32)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    env_a, m_a = Controller(cfg, params).act(x)
    y = np.tanh(x @ params[3:].reshape(5, 3) + params[:3])
    np.testing.assert_allclose(env_a, y, atol=1e-6)
    assert m_a is env_a


def test_an_environment_mapping_is_found_by_name_or_as_module_function():
    cfg = ControllerConfig(input_size=2, output_size=1, use_bias=False, action="worldmodels.controller:tanh_action",
                           features="z")
    assert Controller(cfg, np.ones(2)).mapping is controller.tanh_action
    from worldmodels.envs.carracing import action_from_controller  # "carracing" names its adapter's
    assert controller.action_mapping("carracing") is action_from_controller


def test_an_unknown_action_is_one_line():
    with pytest.raises(WorldModelsError, match="controller action must be .*got 'thirds'"):
        ControllerConfig(action="thirds")
    cfg = ControllerConfig(input_size=2, output_size=1, action="worldmodels.controller:no_such_mapping")
    with pytest.raises(WorldModelsError, match="no controller action mapping 'worldmodels.controller:no_such_mapping'"):
        Controller(cfg, np.ones(cfg.num_params))


def test_argmax_with_mask_never_picks_masked_actions():
    n_act = 6
    cfg = ControllerConfig(input_size=8, output_size=n_act, use_bias=True, action="argmax", features="zh")
    rng = np.random.default_rng(1)
    params = rng.standard_normal(cfg.num_params).astype(np.float32) * 3
    x = rng.standard_normal((500, 8)).astype(np.float32)
    mask = rng.random((500, n_act)) < 0.4
    mask[np.arange(500), rng.integers(0, n_act, 500)] = True  # at least one valid action each
    env_a, m_a = Controller(cfg, params).act(x, mask=mask)
    assert mask[np.arange(500), env_a].all()
    logits = x @ params[n_act:].reshape(8, n_act) + params[:n_act]
    expected = np.array([max(np.flatnonzero(m), key=lambda j: logits[r, j]) for r, m in enumerate(mask)])
    np.testing.assert_array_equal(env_a, expected)
    np.testing.assert_array_equal(m_a, np.eye(n_act)[expected])
    # the mask matters: unmasked argmax picks some masked action on this data
    free, _ = Controller(cfg, params).act(x)
    assert not mask[np.arange(500), free].all()


@pytest.mark.parametrize("action,out", [("tanh", 3), ("tanh", 1), ("argmax", 4)])
def test_batched_params_equal_a_loop_over_single_controllers(action, out):
    cfg = ControllerConfig(input_size=7, output_size=out, use_bias=out != 1, action=action, features="zh")
    rng = np.random.default_rng(2)
    n = 5
    params = rng.standard_normal((n, cfg.num_params)).astype(np.float32)
    x = rng.standard_normal((12, 7)).astype(np.float32)
    rows = rng.integers(0, n, 12)
    env_b, m_b = Controller(cfg, params).act(x, rows=rows)
    for r in range(12):
        env_s, m_s = Controller(cfg, params[rows[r]]).act(x[r:r + 1])
        np.testing.assert_allclose(m_b[r], m_s[0], atol=1e-6)
        np.testing.assert_allclose(env_b[r], env_s[0], atol=1e-6)
    # rows default to "row i uses set i"
    _, m_default = Controller(cfg, params).act(x[:n])
    _, m_rows = Controller(cfg, params).act(x[:n], rows=np.arange(n))
    np.testing.assert_allclose(m_default, m_rows)


def test_features_order_z_c_h():
    z, c, h = np.full((2, 2), 1.0), np.full((2, 3), 2.0), np.full((2, 3), 3.0)
    zch = ControllerConfig(input_size=8, output_size=1, features="zch")
    np.testing.assert_array_equal(controller.features(zch, z, h, c)[0], [1, 1, 2, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(controller.features(zch, z, h=h, c=c)[0], [1, 1, 2, 2, 2, 3, 3, 3])
    zh = ControllerConfig(input_size=5, output_size=1, features="zh")
    np.testing.assert_array_equal(controller.features(zh, z, h, c)[1], [1, 1, 3, 3, 3])
    zonly = ControllerConfig(input_size=2, output_size=1, features="z")
    np.testing.assert_array_equal(controller.features(zonly, z, h, c), z)
    with pytest.raises(AssertionError):
        controller.features(zch, z, h)  # c missing
    with pytest.raises(AssertionError):
        controller.features(zh, z, np.zeros((2, 4)))  # wrong width


def test_widened_params_act_as_the_small_controller_whatever_h():
    z_only = ControllerConfig(input_size=4, output_size=3, features="z")
    zh = ControllerConfig(input_size=10, output_size=3, features="zh")
    rng = np.random.default_rng(0)
    small = rng.standard_normal(z_only.num_params)
    big = controller.widen_params(small, z_only, zh)
    assert big.shape == (zh.num_params,)
    z, h = rng.standard_normal((5, 4)), rng.standard_normal((5, 6))
    want = Controller(z_only, small).output(controller.features(z_only, z))
    got = Controller(zh, big).output(controller.features(zh, z, h))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    w, b = controller.split_params(zh, big)
    assert not w[4:].any()   # h's weights are zero


def test_widen_params_refuses_what_does_not_fit():
    z_only = ControllerConfig(input_size=4, output_size=3, features="z")
    with pytest.raises(WorldModelsError, match="has 15 params"):
        controller.widen_params(np.zeros(14), z_only, ControllerConfig(input_size=10, output_size=3, features="zh"))
    with pytest.raises(WorldModelsError, match="cannot widen"):
        controller.widen_params(np.zeros(15), z_only, ControllerConfig(input_size=10, output_size=2, features="zh"))
    with pytest.raises(WorldModelsError, match="cannot widen"):
        controller.widen_params(np.zeros(15), z_only, ControllerConfig(input_size=10, output_size=3, features="h"))


def test_hidden_layer_follows_the_originals_layout_and_activation():
    """[orig carracing/model.py MODE_Z_HIDDEN]: bias_hidden (N), W_hidden (in x N), bias_output (out),
    W_output (N x out); a = tanh(tanh(x W_h + b_h) W_o + b_o). The paper's ablation: 32 -> 40 -> 3."""
    cfg = ControllerConfig(input_size=32, output_size=3, use_bias=True, features="z", hidden_units=40)
    assert cfg.num_params == 1443
    rng = np.random.default_rng(0)
    params = rng.standard_normal(cfg.num_params).astype(np.float32) * 0.3
    cut = 33 * 40
    b_h, w_h = params[:40], params[40:cut].reshape(32, 40)
    b_o, w_o = params[cut:cut + 3], params[cut + 3:].reshape(40, 3)
    x = rng.standard_normal((5, 32)).astype(np.float32)
    want = np.tanh(np.tanh(x @ w_h + b_h) @ w_o + b_o)
    np.testing.assert_allclose(Controller(cfg, params).output(x), want, rtol=1e-5, atol=1e-6)
    # per-rollout parameter sets: row i with set rows[i]
    sets = np.stack([params, params * 0.5])
    got = Controller(cfg, sets).output(x[:3], rows=np.array([0, 1, 0]))
    np.testing.assert_allclose(got[[0, 2]], want[[0, 2]], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], Controller(cfg, params * 0.5).output(x[1:2])[0], rtol=1e-5, atol=1e-6)


def test_hidden_layer_config_is_checked():
    with pytest.raises(WorldModelsError, match="hidden_units must be >= 0, got -1"):
        ControllerConfig(hidden_units=-1)
    with pytest.raises(WorldModelsError, match="use_bias=True"):
        ControllerConfig(use_bias=False, hidden_units=40)
    small = ControllerConfig(input_size=32, features="z", hidden_units=40)
    with pytest.raises(WorldModelsError, match="cannot widen"):
        controller.widen_params(np.zeros(small.num_params), small, ControllerConfig())
