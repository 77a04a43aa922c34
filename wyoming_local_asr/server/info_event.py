"""The `info` event that answers `describe`: our program, its model, and the audio it wants."""

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
        # Wyoming's model has no field for it: where it runs goes with its description.
        description=(
            f"{info.description} (runs on {info.execution_provider})"
            if info.execution_provider
            else info.description
        ),
        version=info.version,
        languages=list(info.languages),
    )


def info_event(model: ModelInfo, *, denoise: bool = True, endpointing: bool = False) -> Event:
    """`denoise`: the server's RNNoise stage is on (`Settings.denoise`); `endpointing`: the
    server ends commands itself (`Settings.endpointing` with `vad`).

    The audio-processing fields tell Home Assistant (2026.11+) what to do before the audio
    reaches us: with RNNoise on, nothing (ESPHome satellites then send their raw microphone
    channel, and the noise is not suppressed twice); with it off, Home Assistant's own noise
    suppression and auto gain. With endpointing the server finds the end of a command itself
    and answers while the audio still arrives (`requires_external_vad: false`); without it,
    Home Assistant's VAD must end the stream.
    """
    program = AsrProgram(
        name=PROGRAM_NAME,
        attribution=Attribution(name="wyoming-local-asr (Apache-2.0)", url=PROGRAM_URL),
        installed=True,
        description="Private, fast, local speech-to-text",
        version=__version__,
        models=[asr_model(model)],
        supports_transcript_streaming=True,
        requires_external_vad=not endpointing,
        prefers_auto_gain_enabled=not denoise,
        prefers_noise_reduction_enabled=not denoise,
    )
    return Info(asr=[program]).event()
