"""Long dictation over Wyoming: minutes accepted, memory bounded, text from the segments."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import ServerFactory, final_text, transcribe
from wyoming.asr import Transcribe, TranscriptChunk

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def reading(seconds: float) -> bytes:
    """The LibriVox readings (16 kHz wav) with 0.7 s pauses, round after round."""
    clips = [path.read_bytes()[44:] for path in sorted(LIBRIVOX.glob("*.wav"))]
    pause = bytes(2 * int(0.7 * 16000))
    pieces: list[bytes] = []
    while sum(len(p) for p in pieces) < seconds * 2 * 16000:
        for clip in clips:
            pieces += [clip, pause]
    return b"".join(pieces)


@pytest.mark.parametrize("partial_interval", [0.0, 1.0])
async def test_minutes_of_dictation_are_held_in_bounded_memory(
    start_server: ServerFactory, partial_interval: float
) -> None:
    server = await start_server(vad=True, partial_interval=partial_interval)
    assert server.port is not None
    pcm = reading(180.0)  # three minutes, sent as fast as the socket allows
    events = await transcribe(server.port, pcm, request=Transcribe(language="en"))
    text = final_text(events)
    chunks = "".join(
        TranscriptChunk.from_event(e).text for e in events if e.type == "transcript-chunk"
    )
    # The segments' words went out as chunks as they were recognized; they join to the text.
    assert chunks == text
    assert len([e for e in events if e.type == "transcript-chunk"]) >= 6
    # Audio held (16 kHz float32, one copy here): never more than about two segments, far
    # below the three minutes (11.5 MB), and all of it given back.
    assert server.budget.peak <= 2 * 30 * 16000 * 4
    assert server.budget.used == 0
