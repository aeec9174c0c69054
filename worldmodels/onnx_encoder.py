"""V's encoder as an ONNX graph run by onnxruntime: the fast route for rollouts and series.py.

The graph is built here from V's numpy weights with ``onnx.helper`` (no TensorFlow, no exporter)
and computes exactly ``NumpyVAE``'s encoder: uint8 frames (B, 64, 64, C) -> x / 255 [- mean
frame] -> four valid stride-2 ReLU convolutions -> NHWC flatten -> mu and logvar. Convolutions
run channels-first inside the graph (ONNX's Conv layout); the frame is transposed once on the
way in and the last feature map back to NHWC before the flatten, so the dense weights keep V's
layout.

Measured on the 2-core development machine (benchmarks/bench_agents.py; issue #24): at batch 8 on
one thread onnxruntime runs the encoder at ~90 % of the matmul FLOP limit, our numpy im2col at
~34 %. Both agree to ~1e-6; tests/test_onnx_encoder.py checks them against each other and Keras.
"""

from __future__ import annotations

import os

import numpy as np

from worldmodels.fileio import WorldModelsError

OPSET = 17
"""ONNX opset of the graph (Transpose, Cast, Sub, Conv, Relu, Slice, Concat, Reshape, MatMul, Add, Gemm)."""

ENCODER_CHOICES = ("onnx", "numpy")
"""``--encoder``: onnxruntime (default, fast) or the plain numpy forward pass (no extra package)."""
DEFAULT_ENCODER = "onnx"

THREADS_VARIABLE = "OMP_NUM_THREADS"
"""onnxruntime's intra-op threads follow this variable, as BLAS's do; the scripts set it to 1 per
worker process unless it is already set (worldmodels.threads)."""


def intra_op_threads() -> int:
    """Threads onnxruntime may use in one process: $OMP_NUM_THREADS, else 1."""
    value = os.environ.get(THREADS_VARIABLE, "1")
    try:
        threads = int(value)
    except ValueError:
        raise WorldModelsError(f"{THREADS_VARIABLE}={value!r} is not a whole number of threads") from None
    if threads < 1:
        raise WorldModelsError(f"{THREADS_VARIABLE}={threads}: need at least 1 thread")
    return threads


def check_encoder_name(name: str) -> str:
    if name not in ENCODER_CHOICES:
        raise WorldModelsError(f"--encoder must be one of {', '.join(ENCODER_CHOICES)}, got {name!r}")
    return name


def _import_runtime():
    try:
        import onnx
        import onnxruntime
    except ImportError as err:
        raise WorldModelsError(f"the onnx encoder needs onnx and onnxruntime ({err}): pip install onnx onnxruntime, "
                               f"or pass --encoder numpy") from None
    return onnx, onnxruntime


def build_graph(weights: dict[str, tuple[np.ndarray, np.ndarray]], convs: tuple[tuple[str, int, int], ...],
                channels: int, image_size: int, stride: int, mean_frame: np.ndarray | None):
    """The encoder's ``onnx.ModelProto``: input ``frames`` uint8 (B, H, W, C), output ``mu_logvar``
    float32 (B, 2 z) (mu then logvar).

    Two rewrites of the same maths, each measured faster (issue #24): the 1/255 scaling rides in
    the first kernel (conv(x / 255 - m) = conv'(x - 255 m) with kernel' = kernel / 255), and the
    last convolution, whose output is only 2x2, runs as one matrix product over its four input
    patches (onnxruntime's blocked Conv kernel reached ~70 GFLOP/s there, the product ~170).
    """
    onnx, _ = _import_runtime()
    from onnx import TensorProto, helper, numpy_helper

    inits = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    nodes: list = []
    x = node("Transpose", ["frames"], "frames_nchw", perm=[0, 3, 1, 2])  # on the bytes: 4x less to move
    x = node("Cast", [x], "x_float", to=TensorProto.FLOAT)
    if mean_frame is not None:
        x = node("Sub", [x, const("mean_frame_255", 255.0 * mean_frame.transpose(2, 0, 1).astype(np.float32))],
                 "x_centred")
    side = image_size
    for n, (name, _, k) in enumerate(convs):
        kernel, bias = weights[name]  # [kh, kw, in, out]
        side = (side - k) // stride + 1
        if n == 0:
            kernel = kernel / 255.0
        if n < len(convs) - 1:
            x = node("Conv", [x, const(f"{name}/w", kernel.transpose(3, 2, 0, 1).astype(np.float32)),
                              const(f"{name}/b", bias.astype(np.float32))], f"{name}/conv",
                     kernel_shape=[k, k], strides=[stride, stride], pads=[0, 0, 0, 0])
            x = node("Relu", [x], f"{name}/out")
            continue
        # the last conv: patch (i, j) of the (B, in, H, W) map, flattened (in, kh, kw), times the
        # kernel as [(in, kh, kw), out]; output rows in (i, j) order = V's NHWC flatten
        patches = []
        for i in range(side):
            for j in range(side):
                begin = const(f"{name}/begin{i}{j}", np.array([stride * i, stride * j], np.int64))
                stop = const(f"{name}/end{i}{j}", np.array([stride * i + k, stride * j + k], np.int64))
                patches.append(node("Slice", [x, begin, stop, const(f"{name}/axes{i}{j}", np.array([2, 3], np.int64))],
                                    f"{name}/patch{i}{j}"))
        x = node("Concat", patches, f"{name}/patches", axis=1)  # (B, side^2 x in, k, k)
        x = node("Reshape", [x, const(f"{name}/rows_shape", np.array([0, side * side, -1], np.int64))], f"{name}/rows")
        x = node("MatMul", [x, const(f"{name}/w", kernel.transpose(2, 0, 1, 3).reshape(-1, kernel.shape[3])
                                     .astype(np.float32))], f"{name}/product")
        x = node("Add", [x, const(f"{name}/b", bias.astype(np.float32))], f"{name}/conv")
        x = node("Relu", [x], f"{name}/out")
    x = node("Reshape", [x, const("flat_shape", np.array([0, -1], np.int64))], "flat")
    heads_w = np.concatenate([weights["enc_fc_mu"][0], weights["enc_fc_log_var"][0]], axis=1).astype(np.float32)
    heads_b = np.concatenate([weights["enc_fc_mu"][1], weights["enc_fc_log_var"][1]]).astype(np.float32)
    node("Gemm", [x, const("heads/w", heads_w), const("heads/b", heads_b)], "mu_logvar")
    graph = helper.make_graph(
        nodes, "worldmodels_vae_encoder",
        [helper.make_tensor_value_info("frames", TensorProto.UINT8, ["batch", image_size, image_size, channels])],
        [helper.make_tensor_value_info("mu_logvar", TensorProto.FLOAT, ["batch", heads_w.shape[1]])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="worldmodels")
    model.ir_version = min(model.ir_version, 8)  # readable by every onnxruntime that has opset 17
    onnx.checker.check_model(model)
    return model


class OnnxEncoder:
    """``encode(frames uint8 (B,H,W,C)) -> (mu, logvar)`` through one onnxruntime session."""

    def __init__(self, model, z_size: int, threads: int | None = None):
        _, ort = _import_runtime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads() if threads is None else threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: no start-up chatter among the results
        self.z_size = z_size
        self.session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])

    def encode(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        assert frames.dtype == np.uint8, frames.dtype  # NumpyVAE sends float frames down its numpy path
        both = self.session.run(None, {"frames": np.ascontiguousarray(frames)})[0]
        return both[:, :self.z_size], both[:, self.z_size:]


def add_encoder_argument(parser) -> None:
    """``--encoder``: the one route from a command line to how V encodes frames in play and series."""
    parser.add_argument("--encoder", choices=ENCODER_CHOICES, default=DEFAULT_ENCODER,
                        help="how V encodes frames: onnx (onnxruntime, ~2.5x faster) or numpy (no extra package); "
                             "the same z up to float32 rounding (default %(default)s)")
