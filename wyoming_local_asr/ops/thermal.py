"""Temperatures from the kernel's thermal zones (`/sys/class/thermal/thermal_zone*/`).

A Raspberry Pi 5 has one zone of type `cpu-thermal`; a Jetson Orin names its zones
`CPU-therm`, `GPU-therm`, `SOC0-therm`, ... (JetPack 6: `cpu-thermal`, `gpu-thermal`, ...);
x86 machines report `x86_pkg_temp` or `acpitz`. Each `temp` file holds millidegrees Celsius.
Readers take the file system root so tests can point them at a fake sysfs tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

THERMAL_DIR = Path("sys/class/thermal")

# Zone types that name the CPU, best first; matched case-insensitively as prefixes.
_CPU_ZONE_PREFIXES = ("cpu", "x86_pkg_temp", "soc", "acpitz")
_GPU_ZONE_PREFIXES = ("gpu",)
# Readings outside this range are sensor errors (Jetson reports -256 °C for idle zones).
_PLAUSIBLE_C = (-40.0, 150.0)


@dataclass(frozen=True)
class ThermalZone:
    index: int
    type: str
    temperature_c: float


def read_zones(root: Path = Path("/")) -> list[ThermalZone]:
    """Every readable zone with a plausible temperature, in index order; [] when none."""
    zones: list[ThermalZone] = []
    base = root / THERMAL_DIR
    if not base.is_dir():
        return zones
    for directory in base.glob("thermal_zone*"):
        match = re.fullmatch(r"thermal_zone(\d+)", directory.name)
        if match is None:
            continue
        try:
            zone_type = (directory / "type").read_text().strip()
            millidegrees = int((directory / "temp").read_text().strip())
        except (OSError, ValueError):
            continue
        celsius = millidegrees / 1000.0
        if _PLAUSIBLE_C[0] <= celsius <= _PLAUSIBLE_C[1]:
            zones.append(ThermalZone(int(match.group(1)), zone_type, celsius))
    return sorted(zones, key=lambda zone: zone.index)


def cpu_temperature(zones: list[ThermalZone]) -> float | None:
    """The CPU's temperature: the first zone whose type names the CPU, else None."""
    zone = _find(zones, _CPU_ZONE_PREFIXES)
    return None if zone is None else zone.temperature_c


def gpu_zone(zones: list[ThermalZone]) -> ThermalZone | None:
    """A zone that names an integrated GPU (Jetson), else None."""
    return _find(zones, _GPU_ZONE_PREFIXES)


def _find(zones: list[ThermalZone], prefixes: tuple[str, ...]) -> ThermalZone | None:
    for prefix in prefixes:
        for zone in zones:
            if zone.type.lower().startswith(prefix):
                return zone
    return None
