"""The quality-scale claims stand: every rule of the four tiers is in the file, none is todo,
every exemption says why; the brand images are what Home Assistant's brand rules ask; the
supported Home Assistant range is stated alike in hacs.json and the README."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from custom_components.local_asr import compat
from PIL import Image

from component_imports import COMPONENT

REPO = COMPONENT.parents[1]
# Home Assistant's integration quality scale, every rule of bronze, silver, gold, platinum.
RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "entity-event-setup", "entity-unique-id",
        "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip


def _rules() -> dict[str, str | dict[str, str]]:
    return dict(yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())["rules"])


def test_every_rule_is_done_or_exempt_with_a_reason() -> None:
    rules = _rules()
    expected = {rule for tier in RULES.values() for rule in tier}
    assert set(rules) == expected
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in {"done", "exempt"}, f"{name}: {status}"
        if status == "exempt":
            assert isinstance(rule, dict) and rule.get("comment"), f"{name}: exempt without why"


def test_the_stated_tier_is_the_one_reached() -> None:
    header = (COMPONENT / "quality_scale.yaml").read_text().splitlines()[0]
    assert header.startswith("# Tier: platinum")


def test_brand_images() -> None:
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        with Image.open(COMPONENT / "brand" / name) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)
            assert image.mode == "RGBA"
            assert image.getpixel((0, 0))[3] == 0  # transparent corners


def test_iot_class_is_polling() -> None:
    """The health is polled; the entities' state comes from polls."""
    assert json.loads((COMPONENT / "manifest.json").read_text())["iot_class"] == "local_polling"


def test_oldest_supported_home_assistant_is_stated_alike() -> None:
    oldest = json.loads((REPO / "hacs.json").read_text())["homeassistant"]
    assert oldest == "2025.4.0"
    readme = (REPO / "README.md").read_text()
    assert re.search(r"Home Assistant 2025\.4 or newer", readme)
    assert "2025.4" in (compat.__doc__ or "")


def test_strict_typing_runs_in_the_test_command() -> None:
    script = (REPO / "scripts" / "test").read_text()
    assert "mypy --strict" in script and "custom_components/local_asr" in script
    assert Path(COMPONENT / "brand").is_dir()
