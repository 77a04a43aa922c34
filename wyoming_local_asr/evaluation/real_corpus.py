"""The real recordings of Debian's `pocketsphinx-testdata` that come with a human transcript.

References come from the package's own transcript files (`*.transcription`, `*.lsn`:
`<s> words </s> (utterance-id)` lines) next to the audio, plus two files whose words are
documented elsewhere in the package: `goforward.raw` ("go forward ten meters", the public rule
of `goforward.gram`) and `tidigits/dhd.2934z.raw` (TIDIGITS names files by their digits,
z = zero). `.match` and `.hyp` files are recognizer output, not references, so they are not used.
`numbers.raw` and `something.raw` have no transcript in the package and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .corpus import Clip, read_audio, write_clip, write_manifest
from .normalize import normalize

DEFAULT_DATA_DIR = Path("/usr/share/pocketsphinx/test/data")
TRANSCRIPT_SUFFIXES = (".transcription", ".lsn")
TRANSCRIPT_NAMES = ("transcription",)
# Recordings whose transcript is not in a transcript file (path relative to the data dir).
KNOWN_TRANSCRIPTS = {
    "goforward.raw": "go forward ten meters",
    "tidigits/dhd.2934z.raw": "two nine three four zero",
}
_LINE = re.compile(r"^(?P<text>.*?)\s*\((?P<id>[^()\s]+)\)\s*$")


@dataclass(frozen=True)
class Recording:
    """A recording with its reference transcript."""

    name: str
    path: Path
    reference: str


def parse_transcript_file(path: Path) -> dict[str, str]:
    """Utterance id -> normalized words, from `<s> words </s> (id)` lines."""
    transcripts = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LINE.match(line.strip())
        if match:
            transcripts[match.group("id")] = normalize(match.group("text"))
    return transcripts


def find_recordings(data_dir: Path = DEFAULT_DATA_DIR) -> list[Recording]:
    """Every recording under `data_dir` with a known transcript, sorted by name."""
    if not data_dir.is_dir():
        raise FileNotFoundError(
            f"{data_dir} not found: install Debian's pocketsphinx-testdata package"
        )
    recordings = {rec.name: rec for rec in _from_transcript_files(data_dir)}
    for relative, text in KNOWN_TRANSCRIPTS.items():
        path = data_dir / relative
        if path.is_file():
            name = _clip_name(data_dir, path)
            recordings.setdefault(name, Recording(name, path, normalize(text)))
    return sorted(recordings.values(), key=lambda rec: rec.name)


def _from_transcript_files(data_dir: Path) -> Iterator[Recording]:
    for transcript_file in sorted(data_dir.rglob("*")):
        is_transcript = (
            transcript_file.suffix in TRANSCRIPT_SUFFIXES
            or transcript_file.name in TRANSCRIPT_NAMES
        )
        if not is_transcript or not transcript_file.is_file():
            continue
        for utterance_id, text in parse_transcript_file(transcript_file).items():
            for suffix in (".wav", ".raw"):
                audio = transcript_file.parent / f"{utterance_id}{suffix}"
                if audio.is_file() and text:
                    yield Recording(_clip_name(data_dir, audio), audio, text)
                    break


def _clip_name(data_dir: Path, audio: Path) -> str:
    relative = audio.relative_to(data_dir).with_suffix("")
    name = "_".join(relative.parts).replace(".", "-")
    return name.replace("sense_and_sensibility_01_austen_64kb-", "austen-")


def build_real_corpus(out_dir: Path, data_dir: Path = DEFAULT_DATA_DIR) -> list[Clip]:
    """Write every transcribed recording as `NAME.wav` (16 kHz mono 16-bit) + `NAME.txt`."""
    clips = []
    entries = []
    for recording in find_recordings(data_dir):
        samples = read_audio(recording.path).to_float_16k()
        clips.append(write_clip(out_dir, recording.name, samples, recording.reference))
        entries.append(
            {
                "name": recording.name,
                "source": str(recording.path),
                "package": "pocketsphinx-testdata (Debian)",
                "reference": recording.reference,
                "seconds": round(len(samples) / 16000, 3),
            }
        )
    write_manifest(out_dir, "real", entries)
    return clips
