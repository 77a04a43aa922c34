"""What the integration takes from Home Assistant and from other packages, read with `ast`:
`from homeassistant.x import y`, `module.attr` on an imported Home Assistant module, and
`getattr`/`hasattr(module, "name")` (the version-aware look-ups of `compat.py`)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COMPONENT = Path(__file__).resolve().parents[1] / "custom_components" / "local_asr"


@dataclass(frozen=True, order=True)
class Use:
    """`module.name`, used at `where` (file:line)."""

    module: str
    name: str
    where: str


def _files() -> list[Path]:
    return sorted(COMPONENT.glob("*.py"))


def home_assistant_uses(is_module: Callable[[str], bool]) -> list[Use]:
    """Every Home Assistant name the component uses; `is_module` tells which imported names
    are modules (their attributes are uses too)."""
    uses: set[Use] = set()
    for path in _files():
        tree = ast.parse(path.read_text(), filename=str(path))
        modules: dict[str, str] = {}  # local name -> Home Assistant module
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] != "homeassistant":
                    continue
                for alias in node.names:
                    uses.add(Use(node.module, alias.name, where))
                    if is_module(f"{node.module}.{alias.name}"):
                        modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "homeassistant" and alias.asname:
                        modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                uses.add(Use(modules[node.value.id], node.attr, where))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "hasattr"}
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in modules
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                uses.add(Use(modules[node.args[0].id], node.args[1].value, where))
    return sorted(uses)


def third_party_modules() -> dict[str, str]:
    """Top-level modules imported from outside the standard library and Home Assistant, with
    one place each is imported."""
    found: dict[str, str] = {}
    for path in _files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"homeassistant", "__future__"}:
                    continue
                found.setdefault(top, f"{path.name}:{node.lineno}")
    return found


def attributes_of(module_alias_of: str) -> list[Use]:
    """`alias.name` uses of a third-party module imported as `import X as alias`."""
    uses: set[Use] = set()
    for path in _files():
        tree = ast.parse(path.read_text(), filename=str(path))
        aliases = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name == module_alias_of
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                uses.add(Use(module_alias_of, node.attr, f"{path.name}:{node.lineno}"))
    return sorted(uses)
