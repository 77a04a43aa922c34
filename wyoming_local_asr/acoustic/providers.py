"""Choosing onnxruntime execution providers: TensorRT, then CUDA, then CPU."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from .errors import ModelError

Device = Literal["auto", "cpu", "cuda", "tensorrt"]
DEVICES: tuple[str, ...] = get_args(Device)
CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
PREFERENCE = (TENSORRT, CUDA, CPU)
_BY_DEVICE = {"tensorrt": TENSORRT, "cuda": CUDA, "cpu": CPU}


def select_providers(device: str, available: Sequence[str]) -> list[str]:
    """Providers to hand to `InferenceSession`, best first, CPU always last as the fallback.

    `auto` takes every preferred provider this onnxruntime build has; an explicit device that
    the build lacks is an error rather than a silent fallback.
    """
    if device not in DEVICES:
        raise ModelError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "auto":
        chosen = [p for p in PREFERENCE if p in available]
    else:
        wanted = _BY_DEVICE[device]
        if wanted not in available:
            raise ModelError(
                f"device {device!r} needs {wanted}, which this onnxruntime lacks "
                f"(available: {', '.join(available) or 'none'})"
            )
        chosen = [wanted]
    if CPU not in chosen and CPU in available:
        chosen.append(CPU)
    if not chosen:
        raise ModelError("onnxruntime offers no usable execution provider")
    return chosen
