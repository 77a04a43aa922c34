"""Temperature readers on fake sysfs trees of a Raspberry Pi 5, a Jetson Orin and neither."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wyoming_local_asr.ops.thermal import cpu_temperature, gpu_zone, read_zones

MakeRoot = Callable[[list[tuple[str, str]]], Path]


def test_raspberry_pi_5(pi5_root: Path) -> None:
    zones = read_zones(pi5_root)
    assert [(zone.index, zone.type) for zone in zones] == [(0, "cpu-thermal")]
    assert cpu_temperature(zones) == pytest.approx(52.65)
    assert gpu_zone(zones) is None


def test_jetson_orin(jetson_root: Path) -> None:
    zones = read_zones(jetson_root)
    # The idle CV zones (-256 °C) are sensor placeholders, not temperatures.
    assert [zone.type for zone in zones] == [
        "CPU-therm",
        "GPU-therm",
        "SOC0-therm",
        "SOC1-therm",
        "SOC2-therm",
        "tj-therm",
    ]
    assert cpu_temperature(zones) == pytest.approx(48.5)
    gpu = gpu_zone(zones)
    assert gpu is not None
    assert gpu.type == "GPU-therm"
    assert gpu.temperature_c == pytest.approx(46.312)


def test_jetpack_6_names_and_zone_order_by_number(thermal_root: MakeRoot) -> None:
    zones = [(f"zone-{index}", "30000") for index in range(10)]
    zones[10 - 1] = ("cpu-thermal", "61000")  # thermal_zone9 sorts after thermal_zone10 as text
    zones.append(("gpu-thermal", "59000"))
    found = read_zones(thermal_root(zones))
    assert [zone.index for zone in found] == list(range(11))
    assert cpu_temperature(found) == pytest.approx(61.0)


def test_soc_zone_when_no_cpu_zone(thermal_root: MakeRoot) -> None:
    zones = read_zones(thermal_root([("soc-thermal", "70000"), ("gpu", "60000")]))
    assert cpu_temperature(zones) == pytest.approx(70.0)


def test_machine_without_thermal_zones(tmp_path: Path) -> None:
    assert read_zones(tmp_path) == []
    assert cpu_temperature(read_zones(tmp_path)) is None
    (tmp_path / "sys" / "class" / "thermal").mkdir(parents=True)
    assert read_zones(tmp_path) == []


def test_unreadable_or_garbled_zones_are_skipped(tmp_path: Path, thermal_root: MakeRoot) -> None:
    thermal_root([("cpu-thermal", "not a number"), ("acpitz", "40000")])
    broken = tmp_path / "sys" / "class" / "thermal" / "thermal_zone2"
    broken.mkdir()
    (broken / "type").write_text("x86_pkg_temp\n")  # no temp file at all
    zones = read_zones(tmp_path)
    assert [zone.type for zone in zones] == ["acpitz"]
    assert cpu_temperature(zones) == pytest.approx(40.0)


def test_the_real_machine_does_not_fail() -> None:
    zones = read_zones(Path("/"))
    for zone in zones:
        assert -40.0 <= zone.temperature_c <= 150.0
