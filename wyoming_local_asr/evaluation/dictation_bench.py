"""Long dictation over Wyoming: a multi-minute real reading, paced and at full speed.

The reading joins the real recordings of Debian's pocketsphinx-testdata (LibriVox, cards,
commands, digits; 47 s in all) with a pause between them, round after round, until it is
`minutes` long (the same recordings repeat: there are no longer real ones here). Each mode runs
on a fresh server process, so that its peak RSS (VmHWM) is its own. Reported per mode: WER of
the whole transcript against the joined references, peak RSS, seconds from `audio-stop` to the
transcript, and how many `transcript-chunk`s arrived before `audio-stop`. For comparison, the
same recordings one by one (each its own utterance) on the same server.

Run: `python -m wyoming_local_asr.evaluation.dictation_bench --model-dir DIR --out FILE.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from wyoming.asr import Transcribe, Transcript, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient

from .corpus import float_to_int16, read_audio
from .normalize import normalize
from .real_corpus import find_recordings
from .server_bench import ServerProcess
from .wer import count_errors

RATE = 16000
CHUNK_SAMPLES = 1024
PAUSE_SECONDS = 0.8


@dataclass(frozen=True)
class Reading:
    pcm: bytes
    reference: str
    seconds: float
    pieces: list[tuple[bytes, str]]  # each recording alone, with its reference


def build_reading(minutes: float) -> Reading:
    recordings = find_recordings()
    pieces = [(read_audio(r.path).to_float_16k(), r.reference) for r in recordings]
    pause = np.zeros(int(PAUSE_SECONDS * RATE), dtype=np.float32)
    audio: list[NDArray[np.float32]] = []
    words: list[str] = []
    total = 0
    while total < minutes * 60 * RATE:
        for samples, reference in pieces:
            audio += [samples, pause]
            words.append(reference)
            total += len(samples) + len(pause)
    joined = np.concatenate(audio)
    return Reading(
        float_to_int16(joined).astype("<i2").tobytes(),
        " ".join(words),
        len(joined) / RATE,
        [(float_to_int16(s).astype("<i2").tobytes(), ref) for s, ref in pieces],
    )


async def send(port: int, pcm: bytes, *, paced: bool) -> dict[str, Any]:
    """One utterance (16 kHz mono 16-bit) in 1024-sample chunks, every 64 ms when `paced`."""
    step = CHUNK_SAMPLES * 2
    chunk_seconds = CHUNK_SAMPLES / RATE
    chunks_before_stop = 0
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(RATE, 2, 1).event())
        reader = asyncio.create_task(_read_transcript(client))
        started = time.perf_counter()
        for index, offset in enumerate(range(0, len(pcm), step)):
            if paced:
                await asyncio.sleep(max(0.0, started + index * chunk_seconds - time.perf_counter()))
            await client.write_event(AudioChunk(RATE, 2, 1, pcm[offset : offset + step]).event())
        await client.write_event(AudioStop().event())
        stopped = time.perf_counter()
        text, chunks, answered, early = await asyncio.wait_for(reader, timeout=600)
        chunks_before_stop = sum(1 for at in early if at < stopped)
    return {
        "text": text,
        "latency": answered - stopped,
        "chunks": chunks,
        "chunks_before_stop": chunks_before_stop,
        "send_seconds": stopped - started,
    }


async def _read_transcript(client: AsyncTcpClient) -> tuple[str, int, float, list[float]]:
    chunk_times: list[float] = []
    while True:
        event = await client.read_event()
        if event is None:
            raise RuntimeError("the server closed the connection")
        if TranscriptChunk.is_type(event.type):
            chunk_times.append(time.perf_counter())
        elif Transcript.is_type(event.type):
            text = Transcript.from_event(event).text
            return text, len(chunk_times), time.perf_counter(), chunk_times
        elif event.type == "error":
            raise RuntimeError(f"error from the server: {event.data}")


def wer(reference: str, text: str) -> float:
    counts = count_errors(normalize(reference).split(), normalize(text).split())
    return counts.rate


def run_mode(model_dir: Path, reading: Reading, *, paced: bool, runs: int) -> dict[str, Any]:
    server = ServerProcess(model_dir, denoise=True, threads=1)
    try:
        results = []
        for run in range(runs):
            print(f"  run {run + 1}/{runs} ({'paced' if paced else 'full speed'})", flush=True)
            result = asyncio.run(send(server.port, reading.pcm, paced=paced))
            result["wer"] = wer(reading.reference, result.pop("text"))
            results.append(result)
        memory = server.memory_mb()
    finally:
        server.stop()
    latencies = [r["latency"] for r in results]
    return {
        "runs": results,
        "wer": results[0]["wer"],
        "latency_min": min(latencies),
        "latency_median": statistics.median(latencies),
        "memory_mb": memory,
    }


def run_alone(model_dir: Path, reading: Reading) -> dict[str, Any]:
    """Each recording as its own utterance (full speed): the WER without long dictation."""
    server = ServerProcess(model_dir, denoise=True, threads=1)
    try:
        texts = [
            asyncio.run(send(server.port, pcm, paced=False))["text"] for pcm, _ in reading.pieces
        ]
    finally:
        server.stop()
    reference = " ".join(ref for _, ref in reading.pieces)
    return {"wer": wer(reference, " ".join(texts)), "recordings": len(texts)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--fast-runs", type=int, default=3)
    parser.add_argument("--paced-runs", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    reading = build_reading(args.minutes)
    print(f"reading: {reading.seconds:.1f} s, {len(reading.reference.split())} words", flush=True)
    report: dict[str, Any] = {
        "reading_seconds": round(reading.seconds, 1),
        "reading_words": len(reading.reference.split()),
    }
    print("recordings one by one", flush=True)
    report["alone"] = run_alone(args.model_dir, reading)
    print("full speed", flush=True)
    report["full_speed"] = run_mode(args.model_dir, reading, paced=False, runs=args.fast_runs)
    print("paced", flush=True)
    report["paced"] = run_mode(args.model_dir, reading, paced=True, runs=args.paced_runs)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
