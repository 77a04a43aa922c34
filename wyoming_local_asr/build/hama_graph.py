"""hama's Conformer-CTC acoustic model as an ONNX graph built from the `.hama` weights.

The forward pass (checked against hama's own engine on real speech):
waveform -> clip -> reflect pad 200 -> STFT as a strided convolution with the stored kernels ->
power -> mel (80) -> log(max(x, 1e-10)) -> float16 round trip -> Conv1d stem (stride 2) + erf-GELU
-> 4 Conformer blocks (FFN/2, MHA 4x36 without positions, conv module, FFN/2, LayerNorm) ->
projection -> log-softmax. One output frame per 320 samples (20 ms).

Padded batches: `waveform_lengths` masks what lies past each row's own length, so a row gives
the frames it would give alone: its log-mel frames past its length are zeroed (the stem's zero
padding), attention ignores padded keys, and the convolution module's depthwise convolution
sees zeros there (its zero padding). The end of a row's STFT reflects the row's own last
samples only if the caller appends them (`acoustic/runner.py` does); alone, the graph's reflect
pad does it.
"""

from __future__ import annotations

import numpy as np
import onnx
from numpy.typing import NDArray

from .hama_format import HamaContainer
from .onnx_builder import FLOAT, FLOAT16, INT64, GraphBuilder, tensor_info

OPSET = 17
IR_VERSION = 8
VOCAB_SIZE = 191
HOP = 160
PAD = 200
SUBSAMPLING = 2
D_MODEL = 144
HEADS = 4
HEAD_DIM = 36
BLOCKS = 4
CONV_KERNEL = 31
LN_EPS = 1e-5
# hama's engine divides by sqrt(2) rounded to float16 in its GELU.
GELU_SQRT2 = 1.4140625
INPUT_NAMES = ("waveform", "waveform_lengths")
OUTPUT_NAMES = ("logprobs", "out_lengths")
# Names of the front-end nodes that must stay in float (quantizing them ruins the features).
FRONTEND_NODES = ("stft", "mel", "stem")

_PREFIX = "acoustic_model.model"


class _HamaWeights:
    """Named access to the container's tensors, converted to float32."""

    def __init__(self, container: HamaContainer) -> None:
        self.container = container

    def __call__(self, name: str) -> NDArray[np.float32]:
        return self.container.float32(name)

    def block(self, index: int, name: str) -> NDArray[np.float32]:
        return self(f"{_PREFIX}.blocks.{index}.{name}")

    def anonymous(self, kind: str, number: int) -> NDArray[np.float32]:
        return self(f"onnx::{kind}_{number}")


def _pointwise(weight: NDArray[np.float32]) -> NDArray[np.float32]:
    """A kernel-1 Conv1d weight [out, in, 1] as a MatMul weight [in, out]."""
    return np.ascontiguousarray(weight[:, :, 0].T)


class _HamaGraph:
    def __init__(self, weights: _HamaWeights) -> None:
        self.w = weights
        self.g = GraphBuilder()

    # -- small pieces -------------------------------------------------------------------------
    def linear(
        self, x: str, weight: NDArray[np.float32], bias: NDArray[np.float32], name: str
    ) -> str:
        product = self.g.op("MatMul", [x, self.g.weight(f"{name}.weight", weight)], name=name)
        return self.g.op("Add", [product, self.g.weight(f"{name}.bias", bias)])

    def layer_norm(self, x: str, block: int, norm: str) -> str:
        prefix = f"blocks.{block}.{norm}"
        scale = self.g.weight(f"{prefix}.weight", self.w.block(block, f"{norm}.weight"))
        bias = self.g.weight(f"{prefix}.bias", self.w.block(block, f"{norm}.bias"))
        return self.g.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=LN_EPS)

    def silu(self, x: str) -> str:
        return self.g.op("Mul", [x, self.g.op("Sigmoid", [x])])

    def transpose_bct(self, x: str) -> str:
        return self.g.op("Transpose", [x], perm=[0, 2, 1])

    # -- front end ----------------------------------------------------------------------------
    def frontend(self, waveform: str) -> str:
        """Waveform [B, N] -> log-mel [B, 80, F], F = N // 160 + 1."""
        g = self.g
        clipped = g.op("Clip", [waveform, g.const(-1.0), g.const(1.0)])
        padded = g.op("Pad", [clipped, g.const([0, PAD, 0, PAD])], mode="reflect")
        signal = g.op("Unsqueeze", [padded, g.const([1])])
        # Real and imaginary kernels in one convolution; power = sum of squares, and the mel
        # matrix applied to both halves at once: [mel^T mel^T] @ [re^2; im^2].
        kernels = np.concatenate([self.w("stft_real_kernel"), self.w("stft_imag_kernel")], axis=0)
        spectrum = g.op(
            "Conv", [signal, g.weight("stft.kernels", kernels)], name="stft", strides=[HOP]
        )
        power = g.op("Mul", [spectrum, spectrum])
        mel_t = self.w("mel_fb").T
        mel_matrix = np.ascontiguousarray(np.concatenate([mel_t, mel_t], axis=1))
        mel = g.op("MatMul", [g.weight("mel.matrix", mel_matrix), power], name="mel")
        logmel = g.op("Log", [g.op("Max", [mel, g.const(1e-10)])])
        # hama's engine keeps the features in float16; the round trip reproduces it.
        return g.op("Cast", [g.op("Cast", [logmel], to=FLOAT16)], to=FLOAT)

    def stem(self, features: str, feature_mask: str) -> str:
        """Log-mel [B, 80, F] -> hidden [B, T, 144] with T = (F - 1) // 2 + 1."""
        g = self.g
        conv = g.op(
            "Conv",
            [
                g.op("Mul", [features, g.op("Unsqueeze", [feature_mask, g.const([1])])]),
                g.weight("stem.weight", self.w.anonymous("Conv", 801)),
                g.weight("stem.bias", self.w.anonymous("Conv", 802)),
            ],
            name="stem",
            strides=[SUBSAMPLING],
            pads=[1, 1],
        )
        erf = g.op("Erf", [g.op("Div", [conv, g.const(GELU_SQRT2)])])
        gelu = g.op("Mul", [g.op("Mul", [conv, g.const(0.5)]), g.op("Add", [erf, g.const(1.0)])])
        return self.transpose_bct(gelu)

    # -- Conformer block ----------------------------------------------------------------------
    def feed_forward(self, x: str, block: int, ffn: str, first_matmul: int) -> str:
        g = self.g
        h = self.layer_norm(x, block, f"{ffn}.norm")
        h = self.linear(
            h,
            self.w.anonymous("MatMul", first_matmul),
            self.w.block(block, f"{ffn}.fc1.bias"),
            f"blocks.{block}.{ffn}.fc1",
        )
        h = self.linear(
            self.silu(h),
            self.w.anonymous("MatMul", first_matmul + 1),
            self.w.block(block, f"{ffn}.fc2.bias"),
            f"blocks.{block}.{ffn}.fc2",
        )
        return g.op("Add", [x, g.op("Mul", [h, g.const(0.5)])])

    def attention(self, x: str, block: int, base: int, key_bias: str) -> str:
        g = self.g
        h = self.layer_norm(x, block, "attn_norm")
        qkv = self.linear(
            h,
            self.w.anonymous("MatMul", base + 2),
            self.w.block(block, "attn.in_proj_bias"),
            f"blocks.{block}.attn.in_proj",
        )
        q, k, v = g.op_multi("Split", [qkv, g.const([D_MODEL] * 3)], 3, axis=-1)
        heads_shape = g.const([0, 0, HEADS, HEAD_DIM])

        def split_heads(t: str, perm: list[int]) -> str:
            return g.op("Transpose", [g.op("Reshape", [t, heads_shape])], perm=perm)

        q_heads = split_heads(g.op("Mul", [q, g.const(1.0 / np.sqrt(HEAD_DIM))]), [0, 2, 1, 3])
        k_heads = split_heads(k, [0, 2, 3, 1])
        v_heads = split_heads(v, [0, 2, 1, 3])
        scores = g.op("MatMul", [q_heads, k_heads], name=f"blocks.{block}.attn.scores")
        weights = g.op("Softmax", [g.op("Add", [scores, key_bias])], axis=-1)
        context = g.op("MatMul", [weights, v_heads], name=f"blocks.{block}.attn.context")
        merged = g.op(
            "Reshape",
            [g.op("Transpose", [context], perm=[0, 2, 1, 3]), g.const([0, 0, D_MODEL])],
        )
        out = self.linear(
            merged,
            self.w.anonymous("MatMul", base + 6),
            self.w.block(block, "attn.out_proj.bias"),
            f"blocks.{block}.attn.out_proj",
        )
        return g.op("Add", [x, out])

    def convolution(self, x: str, block: int, time_mask: str) -> str:
        g = self.g
        h = self.layer_norm(x, block, "conv.norm")
        h = self.linear(
            h,
            _pointwise(self.w.block(block, "conv.pointwise1.weight")),
            self.w.block(block, "conv.pointwise1.bias"),
            f"blocks.{block}.conv.pointwise1",
        )
        value, gate = g.op_multi("Split", [h, g.const([D_MODEL, D_MODEL])], 2, axis=-1)
        glu = g.op("Mul", [value, g.op("Sigmoid", [gate])])
        depthwise = g.op(
            "Conv",
            [
                self.transpose_bct(g.op("Mul", [glu, time_mask])),
                g.weight(
                    f"blocks.{block}.conv.depthwise.weight",
                    self.w.anonymous("Conv", 804 + 3 * block),
                ),
                g.weight(
                    f"blocks.{block}.conv.depthwise.bias", self.w.anonymous("Conv", 805 + 3 * block)
                ),
            ],
            name=f"blocks.{block}.conv.depthwise",
            group=D_MODEL,
            pads=[CONV_KERNEL // 2, CONV_KERNEL // 2],
        )
        h = self.linear(
            self.silu(self.transpose_bct(depthwise)),
            _pointwise(self.w.block(block, "conv.pointwise2.weight")),
            self.w.block(block, "conv.pointwise2.bias"),
            f"blocks.{block}.conv.pointwise2",
        )
        return g.op("Add", [x, h])

    def conformer_block(self, x: str, block: int, masks: tuple[str, str]) -> str:
        base = 829 + 9 * block
        time_mask, key_bias = masks
        x = self.feed_forward(x, block, "ffn1", base)
        x = self.attention(x, block, base, key_bias)
        x = self.convolution(x, block, time_mask)
        x = self.feed_forward(x, block, "ffn2", base + 7)
        return self.layer_norm(x, block, "norm")

    # -- lengths and masks --------------------------------------------------------------------
    def integer(self, value: int) -> str:
        return self.g.const(np.array(value, dtype=np.int64))

    def stft_lengths(self, lengths: str) -> str:
        frames = self.g.op("Div", [lengths, self.integer(HOP)])
        return self.g.op("Add", [frames, self.integer(1)])

    def output_lengths(self, stft_lengths: str) -> str:
        g = self.g
        one = self.integer(1)
        subsampled = g.op("Div", [g.op("Sub", [stft_lengths, one]), self.integer(SUBSAMPLING)])
        return g.op("Add", [subsampled, one])

    def length_mask(self, lengths: str, like: str, axis: int) -> str:
        """[B, N] float: 1 where the index along `like`'s `axis` (size N) is below the row's
        length, else 0."""
        g = self.g
        size = g.op("Gather", [g.op("Shape", [like]), self.integer(axis)])
        positions = g.op("Range", [self.integer(0), size, self.integer(1)])
        row_positions = g.op("Unsqueeze", [positions, g.const([0])])
        inside = g.op("Less", [row_positions, g.op("Unsqueeze", [lengths, g.const([1])])])
        return g.op("Cast", [inside], to=FLOAT)

    def block_masks(self, x: str, out_lengths: str) -> tuple[str, str]:
        """For hidden `x` [B, T, 144]: the time mask [B, T, 1] and the attention key bias
        [B, 1, 1, T] (0 for a real frame, -1e9 for padding: its softmax weight is exactly 0)."""
        g = self.g
        mask = self.length_mask(out_lengths, x, 1)
        time_mask = g.op("Unsqueeze", [mask, g.const([2])])
        bias = g.op("Mul", [g.op("Sub", [mask, g.const(1.0)]), g.const(1e9)])
        return time_mask, g.op("Unsqueeze", [bias, g.const([1, 2])])

    # -- whole model --------------------------------------------------------------------------
    def build(self, metadata: dict[str, str]) -> onnx.ModelProto:
        g = self.g
        waveform, lengths = INPUT_NAMES
        features = self.frontend(waveform)
        stft_lengths = self.stft_lengths(lengths)
        out_lengths = self.output_lengths(stft_lengths)
        x = self.stem(features, self.length_mask(stft_lengths, features, 2))
        masks = self.block_masks(x, out_lengths)
        for block in range(BLOCKS):
            x = self.conformer_block(x, block, masks)
        logits = self.linear(
            x,
            _pointwise(self.w(f"{_PREFIX}.proj.weight")),
            self.w(f"{_PREFIX}.proj.bias"),
            "proj",
        )
        g.rename_output(g.op("LogSoftmax", [logits], axis=-1), OUTPUT_NAMES[0])
        g.rename_output(out_lengths, OUTPUT_NAMES[1])
        return g.to_model(
            "hama_conformer_ctc",
            inputs=[
                tensor_info(waveform, FLOAT, ["batch", "samples"]),
                tensor_info(lengths, INT64, ["batch"]),
            ],
            outputs=[
                tensor_info(OUTPUT_NAMES[0], FLOAT, ["batch", "frames", VOCAB_SIZE]),
                tensor_info(OUTPUT_NAMES[1], INT64, ["batch"]),
            ],
            opset=OPSET,
            ir_version=IR_VERSION,
            metadata=metadata,
        )


def graph_metadata() -> dict[str, str]:
    """Model properties stored in the ONNX file (sherpa-onnx style keys where they exist)."""
    return {
        "model_type": "conformer_ctc",
        "frontend": "waveform",
        "sample_rate": "16000",
        "vocab_size": str(VOCAB_SIZE),
        "subsampling_factor": str(SUBSAMPLING),
        "frame_shift_ms": str(1000 * HOP * SUBSAMPLING // 16000),
        "source": "hama 1.7.0 asr_waveform.hama (Apache-2.0)",
    }


def build_hama_graph(container: HamaContainer) -> onnx.ModelProto:
    """The fp32 ONNX model of hama's acoustic model, checked with `onnx.checker`."""
    model = _HamaGraph(_HamaWeights(container)).build(graph_metadata())
    onnx.checker.check_model(model, full_check=True)
    return model
