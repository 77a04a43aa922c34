"""The newest Home Assistant release, read as source: its wheel from PyPI (downloaded once a day
into the test cache, with pip), opened as a zip and parsed with `ast`, never imported (it needs
a newer Python than the harness). Answers: does module M define name N?"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache" / "homeassistant-newest"
# Look for a newer release at most this often; the cached wheel serves in between.
RECHECK_SECONDS = 24 * 3600
DOWNLOAD_TIMEOUT = 600
# Any Python new enough for every release (pip picks the newest the index has).
_NEWEST_PYTHON = "3.99"


class NewestUnavailable(Exception):
    """No wheel could be downloaded and none is cached."""


def _wheels(directory: Path, project: str) -> list[Path]:
    def version(path: Path) -> tuple[int, ...]:
        found = re.match(rf"{project}-([0-9.]+)-", path.name)
        return tuple(int(part) for part in found.group(1).split(".")) if found else ()

    return sorted(directory.glob(f"{project}-*.whl"), key=version)


def download(project: str, version: str | None = None) -> tuple[Path, str]:
    """The wheel of `project` (newest, or `version`) and a note on where it came from."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    stamp = CACHE_DIR / f".{project}-{version or 'newest'}.checked"
    cached = _wheels(CACHE_DIR, project)
    if version is not None:
        cached = [wheel for wheel in cached if wheel.name.startswith(f"{project}-{version}-")]
    fresh = stamp.exists() and time.time() - stamp.stat().st_mtime < RECHECK_SECONDS
    if cached and fresh:
        return cached[-1], "cached"
    spec = project if version is None else f"{project}=={version}"
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--python-version", _NEWEST_PYTHON, "--disable-pip-version-check", "--quiet",
        "--dest", str(CACHE_DIR), spec,
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
        )
        error = result.stderr.strip()[-800:] if result.returncode else ""
    except subprocess.TimeoutExpired:
        error = f"pip download timed out after {DOWNLOAD_TIMEOUT} s"
    found = _wheels(CACHE_DIR, project)
    if version is not None:
        found = [wheel for wheel in found if wheel.name.startswith(f"{project}-{version}-")]
    if not error and found:
        stamp.touch()
        return found[-1], "downloaded"
    if cached:
        return cached[-1], f"cached (PyPI not reached: {error})"
    raise NewestUnavailable(
        f"cannot download the {spec} wheel from PyPI into {CACHE_DIR} and none is cached: "
        f"{error or 'no wheel found'}"
    )


@dataclass
class WheelSource:
    """Modules of a wheel, parsed on demand."""

    path: Path
    _zip: zipfile.ZipFile = field(init=False)
    _names: set[str] = field(init=False)
    _parsed: dict[str, ast.Module | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._zip = zipfile.ZipFile(self.path)
        self._names = set(self._zip.namelist())

    @property
    def version(self) -> str:
        return self.path.name.split("-")[1]

    def read(self, name: str) -> str | None:
        return self._zip.read(name).decode() if name in self._names else None

    def metadata(self) -> str:
        dist_info = next(name for name in self._names if name.endswith(".dist-info/METADATA"))
        return self._zip.read(dist_info).decode()

    def requires_dist(self) -> list[str]:
        return [
            line.split(":", 1)[1].strip()
            for line in self.metadata().splitlines()
            if line.startswith("Requires-Dist:")
        ]

    def manifest(self, domain: str) -> dict[str, object] | None:
        text = self.read(f"homeassistant/components/{domain}/manifest.json")
        return None if text is None else dict(json.loads(text))

    def _file(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self._names:
                return candidate
        return None

    def is_module(self, module: str) -> bool:
        return self._file(module) is not None

    def tree(self, module: str) -> ast.Module | None:
        if module not in self._parsed:
            file = self._file(module)
            text = None if file is None else self.read(file)
            self._parsed[module] = None if text is None else parse_newer(text, file or "")
        return self._parsed[module]

    def defines(self, module: str, name: str) -> bool:
        """Whether `from module import name` works: a submodule, or a name the module binds
        at its top level (in any branch of an `if` or `try`, as an import or re-export)."""
        if self.is_module(f"{module}.{name}"):
            return True
        tree = self.tree(module)
        if tree is None:
            return False
        bound = top_level_names(tree)
        if name in bound:
            return True
        # Star imports: follow them (relative ones inside the package).
        for node in _top_level(tree.body):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                source = resolve_relative(module, node, is_package=self._is_package(module))
                if source and self.defines(source, name):
                    return True
        return False

    def _is_package(self, module: str) -> bool:
        return f"{module.replace('.', '/')}/__init__.py" in self._names


# Python 3.14 (PEP 758) allows `except A, B:` without parentheses; this Python's parser needs them.
_BARE_EXCEPT = re.compile(r"^(\s*except\*?\s+)(?!\()([^:\n]+,[^:\n]*):", re.MULTILINE)


def parse_newer(text: str, filename: str) -> ast.Module:
    """Parse source written for a newer Python with this Python's parser."""
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError:
        return ast.parse(_BARE_EXCEPT.sub(r"\1(\2):", text), filename=filename)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a module's top level, with the bodies of `if`/`try`/`with` opened."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            found.extend(_top_level(node.body) + _top_level(node.orelse))
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            found.extend(
                _top_level(node.body)
                + _top_level(handlers)
                + _top_level(node.orelse)
                + _top_level(node.finalbody)
            )
        elif isinstance(node, ast.With):
            found.extend(_top_level(node.body))
    return found


def _targets(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _targets(element)]
    return []


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in _top_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(_targets(target))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            names.update(_targets(node.target))
        elif isinstance(node, ast.TypeAlias):
            names.add(node.name.id)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names if alias.name != "*")
    return names


def resolve_relative(module: str, node: ast.ImportFrom, *, is_package: bool) -> str | None:
    if node.level == 0:
        return node.module
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: -(node.level - 1)]
    return ".".join([*parts, node.module] if node.module else parts)


def offline_skip_allowed() -> bool:
    """Only outside CI may an explicit `LOCAL_ASR_SKIP_NEWEST_HA=1` skip the check."""
    return not os.environ.get("CI") and os.environ.get("LOCAL_ASR_SKIP_NEWEST_HA") == "1"
