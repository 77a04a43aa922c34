"""The `info` answer declares the audio processing the server wants, as Home Assistant reads it."""

from __future__ import annotations

import pytest
from wyoming.info import Info

from wyoming_local_asr.recognizer import ModelInfo
from wyoming_local_asr.server.info_event import PROGRAM_NAME, info_event

MODEL = ModelInfo(
    name="hama-conformer-ctc-en",
    version="1",
    description="test",
    languages=["en"],
    attribution_name="hama",
    attribution_url="https://example.invalid",
    license="Apache-2.0",
)


@pytest.mark.parametrize("denoise", [True, False])
def test_info_declares_the_audio_processing(denoise: bool) -> None:
    """RNNoise on: no noise suppression or gain by Home Assistant (ESPHome satellites then send
    the raw channel); off: Home Assistant's. The end of speech stays Home Assistant's."""
    program = Info.from_event(info_event(MODEL, denoise=denoise)).asr[0]
    assert program.name == PROGRAM_NAME
    assert program.supports_transcript_streaming
    assert program.requires_external_vad is True
    assert program.prefers_noise_reduction_enabled is (not denoise)
    assert program.prefers_auto_gain_enabled is (not denoise)


def test_default_is_the_servers_default() -> None:
    """Without the argument the declaration is that of the default settings (RNNoise on)."""
    from wyoming_local_asr.config import Settings

    program = Info.from_event(info_event(MODEL)).asr[0]
    assert program.prefers_noise_reduction_enabled is (not Settings().denoise)
    # On the wire, as Home Assistant's wyoming integration reads it.
    data = info_event(MODEL, denoise=True).data["asr"][0]
    assert data["prefers_noise_reduction_enabled"] is False
    assert data["prefers_auto_gain_enabled"] is False
    assert data["requires_external_vad"] is True


def test_info_says_where_the_model_runs() -> None:
    model = Info.from_event(info_event(MODEL)).asr[0].models[0]
    assert model.description == "test"
    cuda = ModelInfo(**{**MODEL.__dict__, "execution_provider": "CUDAExecutionProvider"})
    described = Info.from_event(info_event(cuda)).asr[0].models[0].description
    assert described == "test (runs on CUDAExecutionProvider)"
