"""Synthetic speech from the Debian TTS packages (festival and flite), as 16 kHz mono float audio.

Voices (Debian packages): festival `cmu_us_slt_arctic_hts` (festvox-us-slt-hts, female HTS),
`ked_diphone` (festvox-kdlpc16k) and `kal_diphone` (festvox-kallpc16k), both male diphone;
flite `slt`, `rms`, `awb` and `kal16`.

The default voices are the most intelligible ones by the phoneme error rate of the default
acoustic model's greedy phonemes against hama's G2P phonemes of the text (`docs/tuning.md`).
The defaults cover two speakers with two engines each (slt: festival HTS and flite) plus two
male US voices (rms, ked).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .corpus import read_audio


class SynthesisError(RuntimeError):
    """A TTS program is missing or failed."""


@dataclass(frozen=True)
class Voice:
    """A TTS voice: `engine` is "festival" or "flite"; `voice` is the engine's own voice name."""

    name: str
    engine: str
    voice: str

    def command(self, text_file: Path, out_file: Path) -> list[str]:
        if self.engine == "festival":
            return [
                "text2wave",
                "-F",
                "16000",
                "-eval",
                f"(voice_{self.voice})",
                "-o",
                str(out_file),
                str(text_file),
            ]
        if self.engine == "flite":
            return ["flite", "-voice", self.voice, "-f", str(text_file), "-o", str(out_file)]
        raise SynthesisError(f"unknown TTS engine {self.engine!r}")

    @property
    def program(self) -> str:
        return "text2wave" if self.engine == "festival" else "flite"


VOICES = {
    voice.name: voice
    for voice in (
        Voice("festival_slt", "festival", "cmu_us_slt_arctic_hts"),
        Voice("festival_ked", "festival", "ked_diphone"),
        Voice("festival_kal", "festival", "kal_diphone"),
        Voice("flite_slt", "flite", "slt"),
        Voice("flite_kal16", "flite", "kal16"),
        Voice("flite_awb", "flite", "awb"),
        Voice("flite_rms", "flite", "rms"),
    )
}
DEFAULT_VOICES = ("festival_slt", "festival_ked", "flite_rms", "flite_slt")


FESTIVAL_VOICE_DIRS = (Path("/usr/share/festival/voices"), Path("/usr/lib/festival/voices"))


def available(voice: Voice) -> bool:
    """Whether the voice's program is installed and, for festival, the voice package too."""
    if shutil.which(voice.program) is None:
        return False
    if voice.engine != "festival":
        return True  # flite's voices are built into the program
    return any(any(base.glob(f"*/{voice.voice}")) for base in FESTIVAL_VOICE_DIRS)


def synthesize(text: str, voice: Voice, timeout: float = 60.0) -> NDArray[np.float32]:
    """Speak `text` with `voice`: 16 kHz mono float32 samples in [-1, 1]."""
    if not available(voice):
        raise SynthesisError(f"{voice.program} or its voice {voice.voice} is not installed")
    with tempfile.TemporaryDirectory(prefix="local-asr-tts-") as tmp:
        text_file = Path(tmp) / "text.txt"
        out_file = Path(tmp) / "speech.wav"
        text_file.write_text(text + "\n", encoding="utf-8")
        result = subprocess.run(
            voice.command(text_file, out_file),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0 or not out_file.is_file():
            raise SynthesisError(
                f"{voice.name} failed ({result.returncode}): {result.stderr.strip()[-500:]}"
            )
        samples = read_audio(out_file).to_float_16k()
    if not np.any(samples):
        raise SynthesisError(f"{voice.name} produced silence for {text!r}")
    return samples
