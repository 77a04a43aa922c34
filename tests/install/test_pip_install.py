"""`pip install wyoming-local-asr` as a user makes it: the project's sdist is built, its wheel
built from that sdist is installed into a fresh virtual environment, and `serve` runs from
there. Every missing piece is one line naming the command that installs it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from wyoming_probe import wait_for_info

from wyoming_local_asr.audio.rnnoise import PYRNNOISE_REQUIREMENT
from wyoming_local_asr.evaluation.server_bench import free_port

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow


def _uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert found, "uv is installed into .venv by scripts/bootstrap"
    return found


def _clean_env() -> dict[str, str]:
    """The environment of a user's shell: no project venv, no LOCAL_ASR_* settings."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "VIRTUAL_ENV" and not key.startswith("LOCAL_ASR_")
    }


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pip-install")
    env = _clean_env()
    # `uv build` makes the sdist, then the wheel from the unpacked sdist (so both are complete).
    subprocess.run(
        [_uv(), "build", "--quiet", "--out-dir", str(work / "dist"), str(ROOT)],
        check=True,
        env=env,
        timeout=300,
    )
    wheels = sorted((work / "dist").glob("wyoming_local_asr-*.whl"))
    assert len(wheels) == 1, wheels
    assert sorted((work / "dist").glob("wyoming_local_asr-*.tar.gz"))
    venv = work / "venv"
    subprocess.run([_uv(), "venv", "--quiet", "-p", sys.executable, str(venv)], check=True, env=env)
    _pip(venv, str(wheels[0]))
    return venv


def _pip(venv: Path, *args: str, command: str = "install") -> None:
    subprocess.run(
        [_uv(), "pip", command, "--quiet", "-p", str(venv / "bin" / "python"), *args],
        check=True,
        env=_clean_env(),
        timeout=600,
    )


def _serve_until_exit(
    venv: Path, data_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(venv / "bin" / "wyoming-local-asr"),
            "serve",
            "--uri",
            f"tcp://127.0.0.1:{free_port()}",
            "--data-dir",
            str(data_dir),
            *options,
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=120,
        check=False,
    )


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("wyoming-local-asr:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_runs_from_a_fresh_install_after_the_one_command_it_names(
    fresh_venv: Path, default_model_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(default_model_dir, data_dir / "models" / default_model_dir.name)

    # The denoiser's library is not a dependency (see pyproject.toml): one line names the fix.
    line = _one_error_line(_serve_until_exit(fresh_venv, data_dir))
    assert f"`pip install --no-deps {PYRNNOISE_REQUIREMENT}`" in line, line
    command = shlex.split(line.split("`")[1])
    assert command[:2] == ["pip", "install"]
    _pip(fresh_venv, *command[2:])

    port = free_port()
    env = _clean_env()
    server = subprocess.Popen(
        [
            str(fresh_venv / "bin" / "wyoming-local-asr"),
            "serve",
            "--uri",
            f"tcp://127.0.0.1:{port}",
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        info = wait_for_info(port, seconds=90, alive=lambda: server.poll() is None)
        assert info.asr and info.asr[0].models[0].name == default_model_dir.name
        # The default model in the data dir was current: nothing was rebuilt.
        assert not list(data_dir.glob("models/.*build-*"))
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr


def test_a_missing_build_package_is_one_line_naming_its_install(
    fresh_venv: Path, tmp_path: Path
) -> None:
    _pip(fresh_venv, "onnx", command="uninstall")
    try:
        # An empty data dir: the first start must build the default model, which needs onnx.
        line = _one_error_line(_serve_until_exit(fresh_venv, tmp_path / "empty", "--no-denoise"))
    finally:
        _pip(fresh_venv, "onnx")
    assert "`pip install onnx`" in line, line
