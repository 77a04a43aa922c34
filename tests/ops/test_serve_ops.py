"""End to end: the real server (`wyoming-local-asr serve`) transcribes real clips; its
operations API then reports counts and figures that match what was sent."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import urllib.error
import urllib.request
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import async_read_event, async_write_event

if TYPE_CHECKING:
    from conftest import ServerProcess

pytestmark = pytest.mark.slow

DATA = Path("/usr/share/pocketsphinx/test/data")
RATE = 16_000
SAMPLES_PER_CHUNK = 1024


def raw(path: Path) -> bytes:
    return path.read_bytes()


def wav(path: Path) -> bytes:
    with wave.open(str(path), "rb") as file:
        assert (file.getframerate(), file.getsampwidth(), file.getnchannels()) == (RATE, 2, 1)
        return file.readframes(file.getnframes())


def clips() -> dict[str, bytes]:
    return {
        "go forward ten meters": raw(DATA / "goforward.raw"),
        "two nine three four zero": raw(DATA / "tidigits" / "dhd.2934z.raw"),
        "ten of clubs": wav(DATA / "cards" / "001.wav"),
        "he was not an ill disposed young man": wav(
            DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"
        ),
    }


def seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


async def transcribe(
    port: int,
    pcm: bytes,
    hold: asyncio.Event | None = None,
    context: dict[str, Any] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Transcript | Error:
    """Send one utterance in 1024-sample chunks; with `hold`, wait for it before audio-stop."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=ssl_context, server_hostname="localhost" if ssl_context else None
    )
    try:
        await async_write_event(Transcribe(language="en", context=context).event(), writer)
        await async_write_event(AudioStart(rate=RATE, width=2, channels=1).event(), writer)
        step = SAMPLES_PER_CHUNK * 2
        for offset in range(0, len(pcm), step):
            chunk = AudioChunk(rate=RATE, width=2, channels=1, audio=pcm[offset : offset + step])
            await async_write_event(chunk.event(), writer)
        if hold is not None:
            await hold.wait()
        await async_write_event(AudioStop().event(), writer)
        while True:
            event = await async_read_event(reader)
            assert event is not None, "the server closed the connection without an answer"
            if Transcript.is_type(event.type):
                return Transcript.from_event(event)
            if Error.is_type(event.type):
                return Error.from_event(event)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()


def words(answer: Transcript | Error) -> str:
    assert isinstance(answer, Transcript), f"expected a transcript, got {answer}"
    return answer.text.lower()


def metric_values(text: str) -> dict[str, float]:
    """name{labels} -> value for every sample of the exposition."""
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


def request(server: ServerProcess, method: str, path: str, token: str | None, body: Any) -> int:
    """The HTTP status of one API call."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else b""
    call = urllib.request.Request(server.url(path), data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=300, context=server.ssl_context) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


MakeToken = Callable[[Path, str], str]


@pytest.fixture(scope="module")
def tokens(server: ServerProcess, make_token: MakeToken) -> dict[str, str]:
    """An admin and a user token for the module's server, made by `token create`."""
    return {role: make_token(server.data_dir, role) for role in ("admin", "user")}


async def test_health_and_metrics_match_what_was_sent(server: ServerProcess) -> None:
    before = server.get_json("/api/health")["utterances"]
    sent = clips()
    for expected, pcm in sent.items():
        heard = words(await transcribe(server.wyoming_port, pcm))
        assert heard, f"nothing heard for {expected!r}"
    # One utterance over the 30 s limit: the client gets an error, the server counts it.
    too_long = sent["go forward ten meters"] * 11
    assert isinstance(await transcribe(server.wyoming_port, too_long), Error)

    health = server.get_json("/api/health")
    utterances = health["utterances"]
    assert utterances["total"] - before["total"] == len(sent) + 1
    assert utterances["errors"] - before["errors"] == 1
    audio = utterances["audio_seconds_total"] - before["audio_seconds_total"]
    clip_seconds = sum(seconds(pcm) for pcm in sent.values())
    # The long one counts up to the chunk that crossed the limit.
    assert clip_seconds + 30.0 < audio <= clip_seconds + 30.0 + SAMPLES_PER_CHUNK / RATE + 0.01
    assert utterances["rtf"]["last"] > 0
    assert utterances["latency_ms"]["p50"] > 0
    assert utterances["latency_ms"]["p95"] >= utterances["latency_ms"]["p50"]
    for stage in ("convert", "denoise", "vad", "model", "decode"):
        assert utterances["stage_seconds"][stage] > 0, stage
    assert health["model"]["name"]
    assert health["model"]["execution_provider"] == "CPUExecutionProvider"
    assert health["system"]["memory_rss_mb"] > 50
    assert health["status"] in ("ok", "warning")

    metrics = metric_values(server.get_text("/metrics"))
    assert metrics["wyoming_local_asr_requests_total"] == utterances["total"]
    assert metrics["wyoming_local_asr_errors_total"] == utterances["errors"]
    ok_total = utterances["total"] - utterances["errors"]
    assert metrics["wyoming_local_asr_latency_seconds_count"] == ok_total
    assert metrics["wyoming_local_asr_real_time_factor_count"] == ok_total
    assert metrics["wyoming_local_asr_latency_seconds_bucket{le=+Inf}"] == ok_total
    assert metrics["wyoming_local_asr_audio_seconds_total"] == pytest.approx(
        utterances["audio_seconds_total"], abs=0.001
    )
    # While fewer than the window's 100 utterances were made, the health mean and the
    # Prometheus sum describe the same utterances.
    assert metrics["wyoming_local_asr_latency_seconds_sum"] * 1000 / ok_total == pytest.approx(
        utterances["latency_ms"]["mean"], abs=0.1
    )
    assert metrics["wyoming_local_asr_stage_seconds_total{stage=model}"] > 0
    assert metrics["wyoming_local_asr_memory_rss_bytes"] > 50 * 1024 * 1024
    # The Wyoming server's own counts: each utterance had its connection.
    assert metrics["wyoming_local_asr_connections_accepted_total"] >= len(sent) + 1
    assert metrics["wyoming_local_asr_connections_refused_total"] == 0


def test_info_names_the_server(server: ServerProcess) -> None:
    info = server.get_json("/api/info")
    assert info["name"] == "wyoming-local-asr"
    assert info["wyoming_port"] == server.wyoming_port
    assert info["tls"] is False
    assert "en" in info["languages"]
    assert (server.data_dir / "server_id").read_text().strip() == info["server_id"]


ADMIN_ACTIONS: list[tuple[str, str, Any]] = [
    ("POST", "/api/model/reload", None),
    ("PUT", "/api/config", {"vad_aggressiveness": 2, "denoise": True}),
    ("PUT", "/api/vocabulary", {"phrases": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ACTIONS)
def test_admin_actions_check_the_token(
    server: ServerProcess, tokens: dict[str, str], method: str, path: str, body: Any
) -> None:
    admin, user = tokens["admin"], tokens["user"]
    assert request(server, method, path, None, body) == 401
    assert request(server, method, path, "lasr_00000000_guess", body) == 401
    assert request(server, method, path, user, body) == 403
    assert request(server, method, path, admin, body) == 200
    log = server.log.read_text()
    for token in (admin, user):
        assert token.split("_", 2)[2] not in log


async def test_reload_under_load_loses_no_utterance(
    server: ServerProcess, tokens: dict[str, str]
) -> None:
    admin = tokens["admin"]
    pcm = clips()["go forward ten meters"]
    before = server.get_json("/api/health")["utterances"]
    expected = words(await transcribe(server.wyoming_port, pcm))

    during, after = asyncio.Event(), asyncio.Event()
    # Four utterances have started (audio sent, audio-stop held back) when the reload begins.
    early = [
        asyncio.create_task(transcribe(server.wyoming_port, pcm, hold=during)),
        asyncio.create_task(transcribe(server.wyoming_port, pcm, hold=during)),
        asyncio.create_task(transcribe(server.wyoming_port, pcm, hold=after)),
        asyncio.create_task(transcribe(server.wyoming_port, pcm, hold=after)),
    ]
    await asyncio.sleep(0.5)  # let them send their audio; the assertions do not depend on it
    reload = asyncio.create_task(
        asyncio.to_thread(request, server, "POST", "/api/model/reload", admin, None)
    )
    during.set()  # two finish while the new model loads
    assert await reload == 200
    after.set()  # two finish after the swap, on the engine they started with
    late = [asyncio.create_task(transcribe(server.wyoming_port, pcm)) for _ in range(2)]

    answers = await asyncio.gather(*early, *late)
    assert [words(answer) for answer in answers] == [expected] * 6
    utterances = server.get_json("/api/health")["utterances"]
    assert utterances["total"] - before["total"] == 7
    assert utterances["errors"] - before["errors"] == 0


def tls_client(cert_file: Path, version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert_file))
    context.minimum_version = version
    context.maximum_version = version
    return context


async def test_tls_1_3_only_on_both_ports(
    launch: Callable[..., ServerProcess], certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert_file, key_file = certificate
    modern = tls_client(cert_file, ssl.TLSVersion.TLSv1_3)
    old = tls_client(cert_file, ssl.TLSVersion.TLSv1_2)
    tls = launch(
        tmp_path, "--tls-cert", str(cert_file), "--tls-key", str(key_file), ssl_context=modern
    )
    assert tls.get_json("/api/info")["tls"] is True
    pcm = clips()["go forward ten meters"]
    assert "forward" in words(await transcribe(tls.wyoming_port, pcm, ssl_context=modern))

    with pytest.raises((ConnectionError, ssl.SSLError)):
        await transcribe(tls.wyoming_port, pcm, ssl_context=old)
    with pytest.raises(urllib.error.URLError) as refused:
        await asyncio.to_thread(urllib.request.urlopen, tls.url("/api/info"), None, 30, context=old)
    assert isinstance(refused.value.reason, ConnectionError | ssl.SSLError)
    # Exactly one utterance got through.
    assert tls.get_json("/api/health")["utterances"]["total"] == 1


async def test_require_token_on_the_wyoming_port(
    launch: Callable[..., ServerProcess], make_token: MakeToken, tmp_path: Path
) -> None:
    locked = launch(tmp_path, "--require-token")
    user = make_token(tmp_path, "user")
    pcm = clips()["go forward ten meters"]

    refused = await transcribe(locked.wyoming_port, pcm)
    assert isinstance(refused, Error)
    assert refused.code == "unauthorized"
    wrong = await transcribe(locked.wyoming_port, pcm, context={"token": "lasr_00000000_guess"})
    assert isinstance(wrong, Error)
    heard = await transcribe(locked.wyoming_port, pcm, context={"token": user})
    assert "forward" in words(heard)

    with pytest.raises(urllib.error.HTTPError) as unauthorized:
        locked.get_json("/api/health")
    assert unauthorized.value.code == 401
    health = locked.get_json("/api/health", token=user)
    assert health["utterances"]["total"] == 1
    assert user.split("_", 2)[2] not in locked.log.read_text()
