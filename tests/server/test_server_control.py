"""The control object the operations API drives: reload, config changes, metrics per utterance."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from server_helpers import (
    TEST_SETTINGS,
    RawClient,
    ServerFactory,
    WordClockRecognizer,
    expected_text,
    final_text,
    transcribe,
)

from wyoming_local_asr.asr_service import AsrService
from wyoming_local_asr.config import ConfigError, Settings
from wyoming_local_asr.ops.control import ServiceControl
from wyoming_local_asr.ops.metrics import Metrics
from wyoming_local_asr.recognizer import Recognizer
from wyoming_local_asr.vocabulary.home import HomeVocabulary


class Loader:
    """Loads a new WordClockRecognizer per call with the next prefix: a, b, c ..."""

    def __init__(self) -> None:
        self.calls: list[Settings] = []
        self.homes: list[HomeVocabulary | None] = []

    def __call__(self, settings: Settings, home: HomeVocabulary | None = None) -> Recognizer:
        self.calls.append(settings)
        self.homes.append(home)
        return WordClockRecognizer(prefix="abcdefgh"[len(self.calls)], version=str(settings.beam))


def test_service_is_a_service_control() -> None:
    service: ServiceControl = AsrService(TEST_SETTINGS, WordClockRecognizer())
    info = service.info()
    assert [model.name for model in info.models] == ["word-clock-w"]
    assert info.tls is False


async def test_reload_keeps_utterances_in_flight(
    start_server: ServerFactory, goforward: bytes
) -> None:
    loader = Loader()
    server = await start_server(loader=loader)
    assert server.port is not None
    assert server.service.info().wyoming_port == server.port
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await client.send("audio-start", fmt)
    await client.send("audio-chunk", fmt, payload=goforward[:20000])
    await asyncio.sleep(0.05)  # let the server take the utterance's audio-start

    model = await server.service.reload_model()
    assert model.name == "word-clock-b"

    await client.send("audio-chunk", fmt, payload=goforward[20000:])
    await client.send("audio-stop")
    event = await client.read()
    await client.close()
    # The utterance that started before the reload finishes on the old model ...
    assert event is not None and event.data["text"] == expected_text(len(goforward), "w")
    # ... and the next one runs on the new one.
    events = await transcribe(server.port, goforward)
    assert final_text(events) == expected_text(len(goforward), "b")


async def test_update_config(start_server: ServerFactory, goforward: bytes) -> None:
    loader = Loader()
    server = await start_server(loader=loader)
    service = server.service
    values = await service.update_config({"vad_aggressiveness": 3, "denoise": True})
    assert values["vad_aggressiveness"] == 3 and values["denoise"] is True
    assert service.engine.pipeline.denoiser is not None
    assert service.engine.pipeline.endpointer is None  # --no-vad stays off
    assert loader.calls == []  # no new model needed for audio settings

    values = await service.update_config({"beam": 8})
    assert values["beam"] == 8
    assert [settings.beam for settings in loader.calls] == [8]
    assert service.engine.recognizer.info.version == "8"

    with pytest.raises(ConfigError):
        await service.update_config({"vocabulary": ["lamp", "  "]})
    values = await service.update_config({"vocabulary": ["turn on the kitchen lights", " lamp "]})
    assert values["vocabulary"] == ["turn on the kitchen lights", "lamp"]
    assert loader.calls[-1].vocabulary == ("turn on the kitchen lights", "lamp")
    assert service.runtime_values()["vocabulary"] == ["turn on the kitchen lights", "lamp"]

    assert server.port is not None
    events = await transcribe(server.port, goforward, request=None)
    assert final_text(events) == expected_text(len(goforward), "c")


@pytest.mark.parametrize(
    "changes",
    [
        {"vad_aggressiveness": 4},
        {"beam": True},
        {"language": "fr"},
        {"language": "not a language"},
        {"port": 1},
        {},
    ],
)
async def test_update_config_refuses(
    start_server: ServerFactory, changes: dict[str, object]
) -> None:
    server = await start_server(loader=Loader())
    before = server.service.engine
    with pytest.raises(ConfigError):
        await server.service.update_config(changes)
    assert server.service.engine is before


async def test_metrics_are_recorded_per_utterance(
    start_server: ServerFactory, goforward: bytes
) -> None:
    metrics = Metrics()
    server = await start_server(server_options={"metrics": metrics}, max_utterance_seconds=2.0)
    assert server.port is not None
    await transcribe(server.port, goforward[:32000])
    await transcribe(server.port, goforward[:16000], request=None)
    client = await RawClient.connect(server.port)
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    await client.send("audio-start", fmt)
    await client.send("audio-chunk", fmt, payload=goforward)  # 2.8 s: over the limit
    error = await client.read()
    assert error is not None and error.type == "error"
    await client.close()

    snapshot = metrics.snapshot()
    assert snapshot.utterances_total == 3
    assert snapshot.errors_total == 1
    assert snapshot.audio_seconds_total == pytest.approx(1.0 + 0.5 + len(goforward) / 32000)
    assert snapshot.latency_histogram.count == 2
    assert set(snapshot.stage_seconds_total) >= {"convert", "model", "decode"}


def test_settings_used_by_the_engine() -> None:
    settings = replace(TEST_SETTINGS, denoise=True, vad=True, vad_aggressiveness=1)
    service = AsrService(settings, WordClockRecognizer())
    try:
        pipeline = service.engine.pipeline
        assert pipeline.denoiser is not None
        assert pipeline.endpointer is not None and pipeline.endpointer.aggressiveness == 1
    finally:
        service.shutdown()
