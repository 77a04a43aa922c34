"""A thin helper around `onnx.helper` that names nodes and weights as a graph grows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper


class GraphBuilder:
    """Collects nodes and initializers; every `op` call returns the name of its first output."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._counter = 0
        self._constants: dict[tuple[str, bytes], str] = {}

    def _fresh(self, hint: str) -> str:
        self._counter += 1
        return f"{hint}_{self._counter}"

    def weight(self, name: str, array: NDArray[Any]) -> str:
        """Add a named initializer (weights keep their dtype; pass float32 for fp32 graphs)."""
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, array: NDArray[Any] | float | int | Sequence[int]) -> str:
        """A small constant (shapes, axes, scalars), shared between uses of the same value."""
        value = np.asarray(array)
        if value.dtype == np.float64:
            value = value.astype(np.float32)
        key = (value.dtype.str + str(value.shape), value.tobytes())
        if key not in self._constants:
            self._constants[key] = self.weight(self._fresh("const"), value)
        return self._constants[key]

    def op(self, op_type: str, inputs: Sequence[str], name: str = "", **attrs: Any) -> str:
        return self.op_multi(op_type, inputs, 1, name=name, **attrs)[0]

    def op_multi(
        self, op_type: str, inputs: Sequence[str], n_outputs: int, name: str = "", **attrs: Any
    ) -> list[str]:
        node_name = name or self._fresh(op_type)
        outputs = [f"{node_name}_out{i}" if n_outputs > 1 else node_name for i in range(n_outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, node_name, **attrs))
        return outputs

    def rename_output(self, value: str, name: str) -> str:
        """Give `value` a public name (graph outputs) with an Identity node."""
        self.nodes.append(helper.make_node("Identity", [value], [name], f"{name}_identity"))
        return name

    def to_model(
        self,
        graph_name: str,
        *,
        inputs: Sequence[onnx.ValueInfoProto],
        outputs: Sequence[onnx.ValueInfoProto],
        opset: int,
        ir_version: int,
        metadata: dict[str, str],
    ) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes, graph_name, list(inputs), list(outputs), self.initializers
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="wyoming-local-asr"
        )
        model.ir_version = ir_version
        helper.set_model_props(model, metadata)
        return model


def tensor_info(name: str, elem_type: int, shape: Sequence[str | int]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem_type, list(shape))


FLOAT = TensorProto.FLOAT
FLOAT16 = TensorProto.FLOAT16
INT64 = TensorProto.INT64
