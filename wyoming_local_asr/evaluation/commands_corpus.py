"""The synthetic command corpus: Home Assistant commands spoken by several TTS voices."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from ..progress import Progress
from ..recognizer import SAMPLE_RATE
from .commands import command_sentences
from .corpus import Clip, write_clip, write_manifest
from .synth import DEFAULT_VOICES, VOICES, synthesize


def build_commands_corpus(
    out_dir: Path,
    voices: Sequence[str] = DEFAULT_VOICES,
    per_intent: int = 2,
    seed: int = 0,
    *,
    show_progress: bool = True,
    exclude: Collection[str] = (),
) -> list[Clip]:
    """Speak every command sentence with every voice: `VOICE_NNN.wav` + `VOICE_NNN.txt`
    (sentences whose normalized text is in `exclude` are left out)."""
    unknown = [name for name in voices if name not in VOICES]
    if unknown:
        raise ValueError(f"unknown voices {unknown}; choose from {', '.join(VOICES)}")
    sentences = command_sentences(per_intent=per_intent, seed=seed, exclude=exclude)
    clips: list[Clip] = []
    entries: list[dict[str, Any]] = []
    total = len(sentences) * len(voices)
    with Progress("synthesize", total=total) if show_progress else _NoProgress() as progress:
        for voice_name in voices:
            voice = VOICES[voice_name]
            for index, sentence in enumerate(sentences):
                name = f"{voice_name}_{index:03d}"
                samples = synthesize(sentence.spoken, voice)
                clips.append(write_clip(out_dir, name, samples, sentence.text))
                entries.append(
                    {
                        "name": name,
                        "voice": voice_name,
                        "engine": voice.engine,
                        "intent": sentence.intent,
                        "reference": sentence.text,
                        "spoken": sentence.spoken,
                        "seconds": round(len(samples) / SAMPLE_RATE, 3),
                    }
                )
                progress.advance(note=name)
    write_manifest(out_dir, "commands", entries)
    return clips


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def advance(self, steps: int = 1, note: str = "") -> None:
        return None
