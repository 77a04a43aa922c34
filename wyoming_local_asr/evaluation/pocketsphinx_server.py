"""pocketsphinx en-us as a minimal Wyoming speech-to-text server, a peer for `bench --peers`.

`python -m wyoming_local_asr.evaluation.pocketsphinx_server --port PORT`: it answers `describe`,
collects an utterance's audio (converted to 16 kHz mono 16-bit as it arrives), decodes it with
pocketsphinx's default US English model after `audio-stop` and sends the `transcript`.
Nothing of our own pipeline (no RNNoise, no VAD) stands between: this is pocketsphinx as a
user of it would serve it.
"""

from __future__ import annotations

import argparse
import asyncio
from functools import partial
from typing import Any

import numpy as np
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info
from wyoming.server import AsyncEventHandler, AsyncServer

from .baselines import POCKETSPHINX_INFO, PocketsphinxRecognizer


def _info() -> Info:
    attribution = Attribution(
        name=POCKETSPHINX_INFO.attribution_name, url=POCKETSPHINX_INFO.attribution_url
    )
    model = AsrModel(
        name=POCKETSPHINX_INFO.name,
        description=POCKETSPHINX_INFO.description,
        attribution=attribution,
        installed=True,
        languages=list(POCKETSPHINX_INFO.languages),
        version=POCKETSPHINX_INFO.version,
    )
    program = AsrProgram(
        name="pocketsphinx",
        description="pocketsphinx behind a minimal Wyoming server (benchmark peer)",
        attribution=attribution,
        installed=True,
        models=[model],
        version=POCKETSPHINX_INFO.version,
    )
    return Info(asr=[program])


class _Handler(AsyncEventHandler):
    def __init__(self, recognizer: PocketsphinxRecognizer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._recognizer = recognizer
        self._converter = AudioChunkConverter(rate=16000, width=2, channels=1)
        self._audio = bytearray()

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(_info().event())
        elif AudioStart.is_type(event.type):
            self._audio.clear()
        elif AudioChunk.is_type(event.type):
            self._audio += self._converter.convert(AudioChunk.from_event(event)).audio
        elif AudioStop.is_type(event.type):
            samples = np.frombuffer(bytes(self._audio), dtype="<i2").astype(np.float32)
            samples /= 32768.0
            self._audio.clear()
            heard = await asyncio.to_thread(self._recognizer.transcribe, samples)
            await self.write_event(Transcript(text=heard.text).event())
        return True


async def _serve(port: int) -> None:
    recognizer = PocketsphinxRecognizer()
    server = AsyncServer.from_uri(f"tcp://127.0.0.1:{port}")
    await server.run(partial(_Handler, recognizer))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(_serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
