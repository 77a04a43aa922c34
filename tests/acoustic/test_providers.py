"""Execution provider preference: TensorRT, CUDA, CPU; explicit choices never fall back silently."""

from __future__ import annotations

import pytest

from wyoming_local_asr.acoustic.errors import ModelError
from wyoming_local_asr.acoustic.providers import CPU, CUDA, TENSORRT, select_providers

GPU_BUILD = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]


def test_auto_prefers_tensorrt_then_cuda_then_cpu() -> None:
    assert select_providers("auto", GPU_BUILD) == [TENSORRT, CUDA, CPU]
    assert select_providers("auto", [CPU, CUDA]) == [CUDA, CPU]
    assert select_providers("auto", ["AzureExecutionProvider", CPU]) == [CPU]


def test_explicit_choice_keeps_cpu_as_fallback_for_unsupported_nodes() -> None:
    assert select_providers("cuda", GPU_BUILD) == [CUDA, CPU]
    assert select_providers("tensorrt", GPU_BUILD) == [TENSORRT, CPU]
    assert select_providers("cpu", GPU_BUILD) == [CPU]


def test_unavailable_or_unknown_device_is_an_error() -> None:
    with pytest.raises(ModelError, match="CUDAExecutionProvider"):
        select_providers("cuda", [CPU])
    with pytest.raises(ModelError, match="unknown device"):
        select_providers("npu", GPU_BUILD)
    with pytest.raises(ModelError, match="no usable"):
        select_providers("auto", ["AzureExecutionProvider"])
