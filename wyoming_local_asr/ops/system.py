"""System figures for the health endpoint: temperatures, GPU, process memory, load."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .gpu import GpuStatus, NvmlReader
from .thermal import cpu_temperature, gpu_zone, read_zones

_KIB_PER_MB = 1024.0


@dataclass(frozen=True)
class ProcessMemory:
    rss_mb: float | None
    peak_mb: float | None


@dataclass(frozen=True)
class SystemStatus:
    cpu_temperature_c: float | None
    gpu: GpuStatus | None
    memory_rss_mb: float | None
    memory_peak_mb: float | None
    load_1m: float | None


class SystemReader:
    """Reads the machine's figures below `root` (the real `/` unless a test says otherwise)."""

    def __init__(self, root: Path = Path("/"), nvml: NvmlReader | None = None) -> None:
        self.root = root
        self.nvml = nvml if nvml is not None else NvmlReader()

    def read(self) -> SystemStatus:
        zones = read_zones(self.root)
        gpu = self.nvml.read()
        if gpu is None:
            zone = gpu_zone(zones)  # an integrated GPU (Jetson) has a thermal zone, no NVML
            if zone is not None:
                gpu = GpuStatus(zone.type, zone.temperature_c, None, None)
        memory = read_process_memory(self.root)
        return SystemStatus(
            cpu_temperature_c=cpu_temperature(zones),
            gpu=gpu,
            memory_rss_mb=memory.rss_mb,
            memory_peak_mb=memory.peak_mb,
            load_1m=read_load(self.root),
        )


def read_process_memory(root: Path = Path("/"), pid: str = "self") -> ProcessMemory:
    """Resident and peak resident memory (VmRSS, VmHWM) from `/proc/<pid>/status`."""
    fields = read_status_mb(("VmRSS", "VmHWM"), root, pid)
    return ProcessMemory(fields.get("VmRSS"), fields.get("VmHWM"))


def read_status_mb(
    keys: Collection[str], root: Path = Path("/"), pid: str = "self"
) -> dict[str, float]:
    """The memory fields `keys` of `/proc/<pid>/status` (given there in kB), in MiB; fields
    that are missing (or a process that is gone, or no /proc) are left out."""
    fields: dict[str, float] = {}
    try:
        text = (root / "proc" / pid / "status").read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if key in keys and len(parts) == 2 and parts[1] == "kB":
            fields[key] = int(parts[0]) / _KIB_PER_MB
    return fields


def read_load(root: Path = Path("/")) -> float | None:
    """The 1-minute load average from `/proc/loadavg`."""
    try:
        return float((root / "proc" / "loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
