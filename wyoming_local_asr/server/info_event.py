"""The `info` event that answers `describe`: our program and its model."""

from __future__ import annotations

from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Info

from .. import __version__
from ..recognizer import ModelInfo

PROGRAM_NAME = "wyoming-local-asr"
PROGRAM_URL = "https://github.com/wyoming-local-asr/wyoming-local-asr"


def asr_model(info: ModelInfo) -> AsrModel:
    return AsrModel(
        name=info.name,
        attribution=Attribution(
            name=f"{info.attribution_name} ({info.license})", url=info.attribution_url
        ),
        installed=True,
        description=info.description,
        version=info.version,
        languages=list(info.languages),
    )


def info_event(model: ModelInfo) -> Event:
    program = AsrProgram(
        name=PROGRAM_NAME,
        attribution=Attribution(name="wyoming-local-asr (Apache-2.0)", url=PROGRAM_URL),
        installed=True,
        description="Private, fast, local speech-to-text",
        version=__version__,
        models=[asr_model(model)],
        supports_transcript_streaming=True,
    )
    return Info(asr=[program]).event()
