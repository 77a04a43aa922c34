"""int8 weights for the acoustic model (onnxruntime dynamic quantization of the MatMuls).

Chosen by measurement on the 14 real pocketsphinx-testdata clips (46.6 s, one thread;
`wyoming-local-asr model compare-quantization` reruns it): phoneme error rate against fp32 was
0.00% for dynamic per-tensor int8, 0.50% for dynamic per-channel and 0.50% for static QDQ
calibrated on half the clips; all three ran at RTF 0.0012-0.0013 (fp32 0.0016), equal within
the noise of a shared machine. Dynamic per-tensor is the most accurate and needs no
calibration audio at build time. The front end and the attention products stay in float.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import onnx

from .hama_graph import FRONTEND_NODES

METHOD = "onnxruntime dynamic quantization, int8 MatMul weights per tensor, activations uint8"


@contextmanager
def quiet_quantizer() -> Iterator[None]:
    """onnxruntime's quantizer warns on the root logger about optional pre-processing."""
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(previous)


def excluded_nodes(model: onnx.ModelProto) -> list[str]:
    """MatMuls kept in float: the front end and the activation x activation attention products."""
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul"
        and (node.name in FRONTEND_NODES or node.name.endswith((".scores", ".context")))
    ]


def quantize_int8(fp32_path: Path, int8_path: Path, **overrides: Any) -> None:
    """Write the int8 model chosen by measurement (see the module docstring)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32_path))
    options: dict[str, Any] = {
        "op_types_to_quantize": ["MatMul"],
        "nodes_to_exclude": excluded_nodes(model),
        "per_channel": False,
        "weight_type": QuantType.QInt8,
    }
    options.update(overrides)
    with quiet_quantizer():
        quantize_dynamic(fp32_path, int8_path, **options)
    onnx.checker.check_model(str(int8_path))
