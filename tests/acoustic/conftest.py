"""Small CTC models in the sherpa-onnx layout for the acoustic-model tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from wyoming_local_asr.acoustic.card import ModelCard, file_entry
from wyoming_local_asr.acoustic.paths import CARD_JSON, INT8_FILE, TOKENS_FILE
from wyoming_local_asr.acoustic.token_file import write_tokens

# -- small CTC models in the sherpa-onnx layout, built here with random weights ----------------

TINY_TOKENS = ["<blk>", "a", "b", "c", "d", "e", "▁hi", "▁there", "x", "y", "z", "q"]


def _tiny_graph(layout: str, width: int, seed: int) -> tuple[onnx.ModelProto, np.ndarray]:
    """layout: "BTF" (zipformer: x, x_lens -> log_probs, log_probs_len), "BFT" (NeMo:
    audio_signal, length -> logits) or "waveform" (wav2vec2: one input, one output)."""
    rng = np.random.default_rng(seed)
    nodes: list[onnx.NodeProto] = []
    if layout == "waveform":
        weight = rng.standard_normal((width, 1, 320)).astype(np.float32) * 0.1
        inputs = [helper.make_tensor_value_info("input_values", TensorProto.FLOAT, ["N", "S"])]
        nodes += [
            helper.make_node("Unsqueeze", ["input_values", "axis1"], ["signal"]),
            helper.make_node("Conv", ["signal", "W"], ["conv"], strides=[320]),
            helper.make_node("Transpose", ["conv"], ["logits"], perm=[0, 2, 1]),
        ]
        outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", "T", width])]
        inits = [numpy_helper.from_array(np.array([1], np.int64), "axis1")]
    else:
        weight = rng.standard_normal((80, width)).astype(np.float32) * 0.1
        if layout == "BTF":
            inputs = [
                helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 80]),
                helper.make_tensor_value_info("x_lens", TensorProto.INT64, ["N"]),
            ]
            nodes += [
                helper.make_node("MatMul", ["x", "W"], ["logits"]),
                helper.make_node("LogSoftmax", ["logits"], ["log_probs"], axis=-1),
                helper.make_node("Identity", ["x_lens"], ["log_probs_len"]),
            ]
            outputs = [
                helper.make_tensor_value_info("log_probs", TensorProto.FLOAT, ["N", "T", width]),
                helper.make_tensor_value_info("log_probs_len", TensorProto.INT64, ["N"]),
            ]
        else:
            inputs = [
                helper.make_tensor_value_info("audio_signal", TensorProto.FLOAT, ["N", 80, "T"]),
                helper.make_tensor_value_info("length", TensorProto.INT64, ["N"]),
            ]
            nodes += [
                helper.make_node("Transpose", ["audio_signal"], ["frames"], perm=[0, 2, 1]),
                helper.make_node("MatMul", ["frames", "W"], ["logits"]),
            ]
            outputs = [
                helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", "T", width])
            ]
        inits = []
    inits.append(numpy_helper.from_array(weight, "W"))
    graph = helper.make_graph(nodes, f"tiny_{layout}", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, weight


def make_tiny_model_dir(
    directory: Path, layout: str, tokens: list[str] | None = None, width: int | None = None
) -> tuple[Path, np.ndarray]:
    """A model dir (model.int8.onnx, tokens.txt, card.json with checksums); returns its weight."""
    tokens = TINY_TOKENS if tokens is None else tokens
    model, weight = _tiny_graph(layout, width or len(tokens), seed=len(layout))
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(directory / INT8_FILE))
    write_tokens(directory / TOKENS_FILE, tokens)
    if layout == "waveform":
        card = ModelCard(
            name="tiny-waveform",
            frontend="waveform",
            blank="<blk>",
            token_type="bpe",
            frame_shift_ms=20,
            output="logits",
            waveform_normalize="zero_mean_unit_var",
        )
    else:
        card = ModelCard(
            name=f"tiny-fbank-{layout}",
            frontend="fbank80",
            feature_layout=layout,
            blank="<blk>",
            token_type="bpe",
            frame_shift_ms=10,
            output="logprobs" if layout == "BTF" else "logits",
        )
    card.files = {p.name: file_entry(p) for p in sorted(directory.iterdir())}
    (directory / CARD_JSON).write_text(card.to_json(), encoding="utf-8")
    return directory, weight


TinyModelFactory = Callable[..., tuple[Path, np.ndarray]]


@pytest.fixture
def tiny_model(tmp_path: Path) -> TinyModelFactory:
    """`tiny_model(layout, tokens=None, width=None)` -> (model dir, weight) under tmp_path."""

    def make(
        layout: str, tokens: list[str] | None = None, width: int | None = None
    ) -> tuple[Path, np.ndarray]:
        return make_tiny_model_dir(tmp_path / f"tiny-{layout}", layout, tokens, width)

    return make


@pytest.fixture
def tiny_tokens() -> list[str]:
    return list(TINY_TOKENS)
