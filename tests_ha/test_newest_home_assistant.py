"""Static compatibility with the newest Home Assistant release (which needs a newer Python than
the harness): every Home Assistant name the integration uses still exists in its source, every
other package the integration imports is installed by it or by our manifest, and the `wyoming`
range accepts what its own integration pins.

The wheel comes from PyPI with pip (once a day, cached in `.cache/homeassistant-newest`). No
wheel and no cache is a failure with the reason; outside CI `LOCAL_ASR_SKIP_NEWEST_HA=1` skips
instead. `LOCAL_ASR_NEWEST_HA_VERSION=2026.11.0` checks a given release.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import warnings
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from component_imports import COMPONENT, attributes_of, home_assistant_uses, third_party_modules
from newest_ha import NewestUnavailable, WheelSource, download, offline_skip_allowed

MANIFEST = json.loads((COMPONENT / "manifest.json").read_text())
# Import name -> distribution name, where they differ.
_DISTRIBUTIONS = {"yaml": "pyyaml"}


def _wheel(project: str, version: str | None = None) -> WheelSource:
    try:
        path, origin = download(project, version)
    except NewestUnavailable as error:
        if offline_skip_allowed():
            pytest.skip(f"LOCAL_ASR_SKIP_NEWEST_HA=1: {error}")
        pytest.fail(str(error))
    if origin.startswith("cached ("):
        warnings.warn(f"{path.name}: {origin}; a newer release may exist", stacklevel=2)
    return WheelSource(path)


@pytest.fixture(scope="module")
def newest() -> WheelSource:
    return _wheel("homeassistant", os.environ.get("LOCAL_ASR_NEWEST_HA_VERSION"))


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(requirement).name).lower()


def test_the_check_reads_the_release(newest: WheelSource) -> None:
    """The reader itself: names that exist are found, a name that does not is not."""
    assert newest.defines("homeassistant.components.stt", "SpeechToTextEntity")
    assert newest.defines("homeassistant.helpers", "entity_registry")  # a submodule
    assert not newest.defines("homeassistant.components.stt", "NoSuchName")
    assert not newest.is_module("homeassistant.components.no_such_integration")


def test_every_home_assistant_name_still_exists(newest: WheelSource) -> None:
    uses = home_assistant_uses(newest.is_module)
    assert len(uses) > 50, "the scan found too few imports: is the reader broken?"
    missing = [use for use in uses if not newest.defines(use.module, use.name)]
    assert not missing, f"missing in Home Assistant {newest.version}:\n" + "\n".join(
        f"  {use.where}: {use.module}.{use.name}" for use in missing
    )


def test_version_aware_names_exist_in_the_newest_release(newest: WheelSource) -> None:
    """What `compat.py` looks up by name is there in the newest release: the new path runs."""
    assert newest.defines("homeassistant.config_entries", "OptionsFlowWithReload")
    assert newest.defines("homeassistant.components.stt", "SpeechAudioProcessing")
    entity = _class(newest.tree("homeassistant.components.stt.entity"), "SpeechToTextEntity")
    assert "audio_processing" in _methods(entity)


def test_every_other_package_is_installed(newest: WheelSource) -> None:
    provided = {_name(requirement) for requirement in newest.requires_dist()}
    provided |= {_name(requirement) for requirement in MANIFEST["requirements"]}
    core_init = newest.read("homeassistant/__init__.py") or ""
    if "install_as_voluptuous" in core_init:
        provided.add("voluptuous")  # Home Assistant installs probatio under that name
    missing = {
        module: where
        for module, where in third_party_modules().items()
        if _DISTRIBUTIONS.get(module, module).replace("_", "-") not in provided
    }
    assert not missing, (
        f"not installed by Home Assistant {newest.version} or our manifest: {missing}"
    )


def test_voluptuous_names_exist_where_core_replaced_voluptuous(newest: WheelSource) -> None:
    """Since Home Assistant replaced voluptuous with probatio, `import voluptuous` gives
    probatio's shim: every `vol.X` the integration uses must be in that shim."""
    if "install_as_voluptuous" not in (newest.read("homeassistant/__init__.py") or ""):
        pytest.skip(f"Home Assistant {newest.version} installs voluptuous itself")
    pin = next(r for r in newest.requires_dist() if _name(r) == "probatio")
    version = str(Requirement(pin).specifier).removeprefix("==")
    probatio = _wheel("probatio", version)
    surface = probatio.tree("probatio._vol_shim._surface")
    assert surface is not None, f"probatio {version} has no voluptuous shim surface"
    names = _tuple_strings(surface, "TOP")
    missing = [use for use in attributes_of("voluptuous") if use.name not in names]
    assert not missing, f"not in probatio {version}'s voluptuous: " + ", ".join(
        f"{use.where} vol.{use.name}" for use in missing
    )


def test_wyoming_range_accepts_what_core_pins(newest: WheelSource) -> None:
    """Our range holds the wyoming of the newest release's own integration, of the harness's
    Home Assistant, and the one installed here (the tested version)."""
    ours = next(Requirement(r) for r in MANIFEST["requirements"] if _name(r) == "wyoming")
    pins = {"installed": importlib.metadata.version("wyoming")}
    for label, manifest in (
        (f"Home Assistant {newest.version}", newest.manifest("wyoming")),
        ("the harness", _harness_manifest("wyoming")),
    ):
        assert manifest is not None
        pin = next(Requirement(r) for r in manifest["requirements"] if _name(r) == "wyoming")
        pins[label] = str(pin.specifier).removeprefix("==")
    outside = {label: version for label, version in pins.items() if version not in ours.specifier}
    assert not outside, f"{ours} does not accept {outside}"


def test_stt_entity_implements_every_abstract_method(newest: WheelSource) -> None:
    base = _class(newest.tree("homeassistant.components.stt.entity"), "SpeechToTextEntity")
    abstract = {
        node.name
        for node in base.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_decorator(d) == "abstractmethod" for d in node.decorator_list)
    }
    assert abstract, "no abstract method found: is the reader broken?"
    ours = _methods(_class(ast.parse((COMPONENT / "stt.py").read_text()), "LocalAsrSttEntity"))
    assert abstract <= ours, f"not implemented: {sorted(abstract - ours)}"


def _harness_manifest(domain: str) -> dict[str, list[str]]:
    import homeassistant.components

    path = Path(homeassistant.components.__path__[0]) / domain / "manifest.json"
    return dict(json.loads(path.read_text()))


def _class(tree: ast.Module | None, name: str) -> ast.ClassDef:
    assert tree is not None
    found = next(
        (node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name), None
    )
    assert found is not None, f"class {name} not found"
    return found


def _methods(node: ast.ClassDef) -> set[str]:
    return {
        item.name for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _decorator(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _tuple_strings(tree: ast.Module, name: str) -> set[str]:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            and isinstance(node.value, ast.Tuple | ast.List)
        ):
            return {
                element.value
                for element in node.value.elts
                if isinstance(element, ast.Constant) and isinstance(element.value, str)
            }
    raise AssertionError(f"no {name} tuple")
