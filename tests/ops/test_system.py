"""System figures: temperatures, integrated GPU, process memory and load."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from wyoming_local_asr.ops.gpu import NvmlReader
from wyoming_local_asr.ops.system import SystemReader, read_load, read_process_memory

NO_NVML = "libnvidia-ml-that-does-not-exist.so.1"


def test_raspberry_pi_5(pi5_root: Path, proc_root: Callable[[int, int, str], Path]) -> None:
    proc_root(204800, 307200, "1.25")
    status = SystemReader(pi5_root, NvmlReader(NO_NVML)).read()
    assert status.cpu_temperature_c == pytest.approx(52.65)
    assert status.gpu is None
    assert status.memory_rss_mb == pytest.approx(200.0)
    assert status.memory_peak_mb == pytest.approx(300.0)
    assert status.load_1m == pytest.approx(1.25)


def test_jetson_reports_its_integrated_gpu_from_the_thermal_zone(jetson_root: Path) -> None:
    status = SystemReader(jetson_root, NvmlReader(NO_NVML)).read()
    assert status.cpu_temperature_c == pytest.approx(48.5)
    assert status.gpu is not None
    assert status.gpu.name == "GPU-therm"
    assert status.gpu.temperature_c == pytest.approx(46.312)
    assert status.gpu.memory_used_mb is None  # shared memory: no GPU memory figure
    assert status.gpu.memory_fraction is None


def test_empty_root_gives_nothing_and_no_error(tmp_path: Path) -> None:
    status = SystemReader(tmp_path, NvmlReader(NO_NVML)).read()
    assert status.cpu_temperature_c is None
    assert status.gpu is None
    assert status.memory_rss_mb is None
    assert status.memory_peak_mb is None
    assert status.load_1m is None


def test_this_process_memory_and_load_are_real() -> None:
    memory = read_process_memory()
    assert memory.rss_mb is not None
    assert memory.peak_mb is not None
    assert 1.0 < memory.rss_mb <= memory.peak_mb
    assert read_load() == pytest.approx(os.getloadavg()[0], abs=5.0)
