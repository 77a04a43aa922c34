"""Three wings, one direction of imports: the server (runtime) never imports the build wing or
the evaluation wing; the build wing never imports the evaluation wing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_local_asr.evaluation.server_bench import free_port

PACKAGE = Path(__file__).parents[1] / "wyoming_local_asr"
WINGS = ("build", "evaluation")

# Starts `serve` from the CLI as a user does, stops it with SIGTERM once it listens, then prints
# the package's modules that were loaded.
SERVE_AND_LIST_MODULES = """
import logging, os, signal, sys
from wyoming_local_asr.cli import main

data_dir, port, ops_port = sys.argv[1:4]

class StopWhenReady(logging.Handler):
    def emit(self, record):
        if record.getMessage() == "Ready":
            os.kill(os.getpid(), signal.SIGTERM)

logging.getLogger("wyoming_local_asr.app").addHandler(StopWhenReady())
code = main(["serve", "--data-dir", data_dir, "--uri", f"tcp://127.0.0.1:{port}",
             "--ops-port", ops_port, "--zeroconf"])
print("\\n".join(sorted(name for name in sys.modules if name.startswith("wyoming_local_asr"))))
sys.exit(code)
"""


def _wing(module: str) -> str:
    """`runtime`, `build`, `evaluation` or `cli` for a dotted module name of the package."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "__main__":
        return "cli"  # `python -m wyoming_local_asr` is the command line
    return parts[1] if len(parts) > 1 and parts[1] in (*WINGS, "cli") else "runtime"


def _imports(path: Path) -> list[str]:
    """Every package module that `path` imports, at the top or inside a function."""
    module = ".".join(("wyoming_local_asr", *path.relative_to(PACKAGE).with_suffix("").parts))
    package = module.split(".")[:-1]  # for `x/__init__.py`, the package `x` itself
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found += [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [name for name in found if name.startswith("wyoming_local_asr.")]


def test_no_module_imports_against_the_direction_of_the_wings() -> None:
    allowed = {"runtime": {"runtime"}, "build": {"runtime", "build"}}
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _wing(".".join(("wyoming_local_asr", *path.relative_to(PACKAGE).parts)))
        if source not in allowed:
            continue  # evaluation may use everything; the CLI imports wings per command
        for target in _imports(path):
            if _wing(target) not in allowed[source]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {target}")
    assert wrong == []


def test_the_wing_rule_sees_a_wrong_import(tmp_path: Path) -> None:
    """The check above would catch a runtime module that reaches into the build wing."""
    assert _wing("wyoming_local_asr.build.default_model") == "build"
    assert _wing("wyoming_local_asr.decode.lexicon") == "runtime"
    assert _wing("wyoming_local_asr.evaluation.wer") == "evaluation"
    imports = _imports(PACKAGE / "cli" / "serve.py")
    assert "wyoming_local_asr.build.default_model.ensure_default_model" in imports


@pytest.mark.slow
def test_a_running_server_loads_only_the_runtime_wing(default_model_dir: Path) -> None:
    data_dir = default_model_dir.parents[1]
    ports = [str(free_port()), str(free_port())]
    result = subprocess.run(
        [sys.executable, "-c", SERVE_AND_LIST_MODULES, str(data_dir), *ports],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = result.stdout.split()
    assert "wyoming_local_asr.server.wyoming_server" in loaded
    assert "wyoming_local_asr.ops.http_api" in loaded
    assert [name for name in loaded if _wing(name) in WINGS] == []
