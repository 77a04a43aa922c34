"""The NVML reader against a stand-in `libnvidia-ml` built from C at test time.

No NVIDIA driver is on the test machines, so a tiny shared library with NVML's C ABI (the
functions and the `nvmlMemory_t` layout the reader uses) takes its place. This checks the
ctypes calls and struct layout; without a C compiler the test is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wyoming_local_asr.ops.gpu import NvmlReader
from wyoming_local_asr.ops.health import Thresholds, warnings
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.ops.system import SystemReader

NVML_STAND_IN = r"""
#include <string.h>
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
static void *const HANDLE = (void *)0x5eed;
int nvmlInit_v2(void) { return INIT_RESULT; }
int nvmlDeviceGetCount_v2(unsigned int *count) { *count = DEVICES; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **handle) {
    if (index != 0) return 2;
    *handle = HANDLE;
    return 0;
}
int nvmlDeviceGetName(void *handle, char *name, unsigned int length) {
    if (handle != HANDLE) return 1;
    strncpy(name, "NVIDIA GeForce RTX 3060", length);
    return 0;
}
int nvmlDeviceGetTemperature(void *handle, int sensor, unsigned int *celsius) {
    if (handle != HANDLE || sensor != 0) return 1;
    *celsius = 67;
    return 0;
}
int nvmlDeviceGetMemoryInfo(void *handle, nvmlMemory_t *memory) {
    if (handle != HANDLE) return 1;
    memory->total = 12884901888ULL; /* 12288 MiB */
    memory->used = 10737418240ULL;  /* 10240 MiB */
    memory->free = memory->total - memory->used;
    return 0;
}
"""


def build(tmp_path: Path, name: str, *defines: str) -> str:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the NVML stand-in")
    source = tmp_path / "nvml.c"
    source.write_text(NVML_STAND_IN)
    library = tmp_path / name
    flags = [f"-D{define}" for define in defines]
    subprocess.run(
        [compiler, "-shared", "-fPIC", *flags, "-o", str(library), str(source)], check=True
    )
    return str(library)


def test_reads_name_temperature_and_memory(tmp_path: Path) -> None:
    reader = NvmlReader(build(tmp_path, "libnvml-one.so", "INIT_RESULT=0", "DEVICES=1"))
    status = reader.read()
    assert status is not None
    assert status.name == "NVIDIA GeForce RTX 3060"
    assert status.temperature_c == 67.0
    assert status.memory_total_mb == pytest.approx(12288.0)
    assert status.memory_used_mb == pytest.approx(10240.0)
    assert status.memory_fraction == pytest.approx(10240 / 12288)

    # NVML wins over thermal zones, and 83 % memory in use crosses the 80 % threshold.
    system = SystemReader(tmp_path, reader).read()
    assert system.gpu == status
    found = warnings(Metrics().snapshot(), system, Thresholds())
    assert found == ["GPU memory 83% used is at or above 80%"]


def test_no_devices_is_no_gpu(tmp_path: Path) -> None:
    reader = NvmlReader(build(tmp_path, "libnvml-none.so", "INIT_RESULT=0", "DEVICES=0"))
    assert reader.read() is None


def test_failed_init_is_no_gpu(tmp_path: Path) -> None:
    reader = NvmlReader(build(tmp_path, "libnvml-broken.so", "INIT_RESULT=9", "DEVICES=1"))
    assert reader.read() is None
    assert reader.read() is None


def test_missing_nvml_is_none_not_an_error() -> None:
    reader = NvmlReader("libnvidia-ml-that-does-not-exist.so.1")
    assert reader.read() is None
    assert reader.read() is None  # the failed load is remembered, not retried
