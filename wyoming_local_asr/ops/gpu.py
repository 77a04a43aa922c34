"""NVIDIA GPU temperature and memory through NVML (`libnvidia-ml.so.1`) via ctypes.

No GPU, no driver or no library means "no GPU" (None), never an error.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

NVML_LIBRARY = "libnvidia-ml.so.1"
_NVML_SUCCESS = 0
_NVML_TEMPERATURE_GPU = 0
_MIB = 1024 * 1024


@dataclass(frozen=True)
class GpuStatus:
    name: str
    temperature_c: float | None
    # None where the GPU shares system memory (Jetson) or the driver does not say.
    memory_used_mb: float | None
    memory_total_mb: float | None

    @property
    def memory_fraction(self) -> float | None:
        if self.memory_used_mb is None or not self.memory_total_mb:
            return None
        return self.memory_used_mb / self.memory_total_mb


class _NvmlMemory(ctypes.Structure):
    _fields_ = (
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    )


class NvmlReader:
    """Reads the first NVIDIA GPU; loads and initialises NVML once, on first use."""

    def __init__(self, library: str = NVML_LIBRARY) -> None:
        self._library_name = library
        self._lock = threading.Lock()
        self._nvml: ctypes.CDLL | None = None
        self._tried = False

    def read(self) -> GpuStatus | None:
        with self._lock:
            nvml = self._load()
            if nvml is None:
                return None
            try:
                return _read_first_device(nvml)
            except OSError as error:  # a driver fault must not break the health endpoint
                _LOGGER.debug("NVML read failed: %s", error)
                return None

    def _load(self) -> ctypes.CDLL | None:
        if self._tried:
            return self._nvml
        self._tried = True
        try:
            nvml = ctypes.CDLL(self._library_name)
        except OSError:
            _LOGGER.debug("No NVML library (%s): no NVIDIA GPU figures", self._library_name)
            return None
        try:
            init = getattr(nvml, "nvmlInit_v2", None) or nvml.nvmlInit
        except AttributeError:
            return None
        if init() != _NVML_SUCCESS:
            _LOGGER.debug("nvmlInit failed: no NVIDIA GPU figures")
            return None
        self._nvml = nvml
        return nvml


def _read_first_device(nvml: ctypes.CDLL) -> GpuStatus | None:
    count = ctypes.c_uint(0)
    if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) != _NVML_SUCCESS or count.value == 0:
        return None
    handle = ctypes.c_void_p()
    if nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(handle)) != _NVML_SUCCESS:
        return None
    name_buffer = ctypes.create_string_buffer(96)
    name = "NVIDIA GPU"
    if nvml.nvmlDeviceGetName(handle, name_buffer, ctypes.c_uint(96)) == _NVML_SUCCESS:
        name = name_buffer.value.decode(errors="replace")
    temperature: float | None = None
    reading = ctypes.c_uint(0)
    if (
        nvml.nvmlDeviceGetTemperature(handle, _NVML_TEMPERATURE_GPU, ctypes.byref(reading))
        == _NVML_SUCCESS
    ):
        temperature = float(reading.value)
    used: float | None = None
    total: float | None = None
    memory = _NvmlMemory()
    if nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) == _NVML_SUCCESS:
        used = memory.used / _MIB
        total = memory.total / _MIB
    return GpuStatus(name, temperature, used, total)
