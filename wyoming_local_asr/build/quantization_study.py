"""Dynamic vs static int8 quantization, measured against fp32 on the real test clips.

`wyoming-local-asr model compare-quantization` runs it; `quantize.py` records the outcome.
Static QDQ is calibrated on every other clip (so half of the evaluation audio is unseen).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray

from ..acoustic.errors import ModelError
from .hama_format import packaged_asr_path, read_hama
from .hama_graph import INPUT_NAMES, build_hama_graph
from .measure import Clip, compare_accuracy, real_time_factors, testdata_clips
from .quantize import excluded_nodes, quantize_int8, quiet_quantizer

_BLANK_ID = 190
_WORD_BOUNDARY_ID = 189


def _session_model(path: Path) -> Callable[[NDArray[np.float32]], NDArray[np.float32]]:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(audio: NDArray[np.float32]) -> NDArray[np.float32]:
        feeds = {INPUT_NAMES[0]: audio[None], INPUT_NAMES[1]: np.array([audio.size], np.int64)}
        return np.asarray(session.run(None, feeds)[0][0], dtype=np.float32)

    return run


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over a list of clips."""

    def __init__(self, clips: Sequence[Clip]) -> None:
        self._feeds: Iterator[dict[str, NDArray[Any]]] = iter(
            [
                {INPUT_NAMES[0]: c.audio[None], INPUT_NAMES[1]: np.array([c.audio.size], np.int64)}
                for c in clips
            ]
        )

    def get_next(self) -> dict[str, NDArray[Any]] | None:
        return next(self._feeds, None)


def _static(fp32: Path, out: Path, calibration: Sequence[Clip]) -> None:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    with quiet_quantizer():
        quantize_static(
            fp32,
            out,
            _Calibration(calibration),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=excluded_nodes(onnx.load(str(fp32))),
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )


def run_study(clips: Sequence[Clip], workdir: Path) -> dict[str, tuple[float, float]]:
    """{variant: (PER % vs fp32, RTF)} for fp32, dynamic (per tensor/channel), static QDQ."""
    fp32 = workdir / "fp32.onnx"
    onnx.save(build_hama_graph(read_hama(packaged_asr_path())), str(fp32))
    variants = {"fp32": fp32}
    variants["dynamic per-tensor (chosen)"] = workdir / "dynamic.onnx"
    quantize_int8(fp32, variants["dynamic per-tensor (chosen)"])
    variants["dynamic per-channel"] = workdir / "dynamic_pc.onnx"
    quantize_int8(fp32, variants["dynamic per-channel"], per_channel=True)
    variants["static QDQ per-channel"] = workdir / "static.onnx"
    _static(fp32, variants["static QDQ per-channel"], clips[::2])
    models = {name: _session_model(path) for name, path in variants.items()}
    skip = [_BLANK_ID, _WORD_BOUNDARY_ID]
    rtf = real_time_factors(models, clips)
    return {
        name: (compare_accuracy(models["fp32"], model, clips, skip), rtf[name])
        for name, model in models.items()
    }


def print_study() -> int:
    clips = testdata_clips()
    if not clips:
        raise ModelError("pocketsphinx-testdata is not installed; no real clips to measure on")
    seconds = sum(c.seconds for c in clips)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_study(clips, Path(tmp))
    print(f"{len(clips)} clips, {seconds:.1f} s of real speech; 1 onnxruntime thread")
    print(f"{'variant':32} {'PER vs fp32':>12} {'RTF':>9}")
    for name, (per, rtf) in results.items():
        print(f"{name:32} {per:11.2f}% {rtf:9.5f}")
    return 0
