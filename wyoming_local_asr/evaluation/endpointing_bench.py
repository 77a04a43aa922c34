"""The time server-side endpointing saves against Home Assistant's own VAD, on paced audio.

Each clip is followed by silence, as a satellite streams it, in 1024-sample chunks every 64 ms.

- Home Assistant's VAD: the stream stops where its `VoiceCommandSegmenter` says the command is
  over (its timing rule is ported below), then `audio-stop`; the server (endpointing off for
  this utterance: `context: {"endpointing": false}`) answers after that. Time from the end of
  the speech (the end of the recording) to the transcript: the silence HA waited for, plus the
  server's latency after `audio-stop`, measured.
- Ours: the same clip and silence are streamed until the transcript arrives (the server ends
  the command itself); time from the moment the last sample of the recording was sent.

Both run on one `--endpointing` server, clip by clip, alternating which goes first, so that
the load of the (shared) machine falls on both alike. WER is reported for both too.

Home Assistant's rule (homeassistant/components/assist_pipeline/vad.py, `VoiceCommandSegmenter`,
the same in 2025.4 and in the 2026 code read for this): a command starts after 0.3 s of speech
(`speech_seconds`), ends after `silence_seconds` of silence (0.7 s by default; 0.25 aggressive,
1.25 relaxed: `VadSensitivity.to_seconds`) once it is at least 1.0 s long (`command_seconds`);
speech inside the command resets the silence counter only after 1.0 s of it
(`reset_seconds`); 15 s is the time-out. Its speech decision per chunk came from WebRTC VAD
(mode 3, 30 ms frames) in the releases that introduced it; 2025.4 and later feed it
pymicro-vad's speech probability per 10 ms instead (> 0.2 before the command, > 0.5 in it), in
`MicroVadSpeexEnhancer` (assist_pipeline/audio_enhancer.py). `--ha-vad micro` (the default)
runs that same `pymicro_vad.MicroVad` (the `bench` extra installs it); `--ha-vad webrtc` the
first implementation.

Run: `python -m wyoming_local_asr.evaluation.endpointing_bench --model-dir DIR --corpus DIR
[--corpus DIR ...] --out FILE.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import webrtcvad
from numpy.typing import NDArray
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient

from .corpus import Clip, float_to_int16, load_corpus, read_audio
from .normalize import normalize
from .server_bench import ServerProcess
from .wer import count_errors

RATE = 16000
CHUNK_SAMPLES = 1024
CHUNK_SECONDS = CHUNK_SAMPLES / RATE
TRAILING_SECONDS = 4.0
SILENCE_SECONDS = {"default": 0.7, "relaxed": 1.25, "aggressive": 0.25}


@dataclass
class HomeAssistantVad:
    """`VoiceCommandSegmenter.process` (assist_pipeline/vad.py), fed speech probabilities."""

    silence_seconds: float = 0.7
    speech_seconds: float = 0.3
    command_seconds: float = 1.0
    timeout_seconds: float = 15.0
    reset_seconds: float = 1.0
    before_command_speech_threshold: float = 0.2
    in_command_speech_threshold: float = 0.5

    def __post_init__(self) -> None:
        self.in_command = False
        self._speech_left = self.speech_seconds
        self._command_left = self.command_seconds - self.speech_seconds
        self._silence_left = self.silence_seconds
        self._timeout_left = self.timeout_seconds
        self._reset_left = self.reset_seconds

    def process(self, chunk_seconds: float, speech_probability: float) -> bool:
        """False when the command is over (or timed out)."""
        self._timeout_left -= chunk_seconds
        if self._timeout_left <= 0:
            return False
        if not self.in_command:
            if speech_probability > self.before_command_speech_threshold:
                self._reset_left = self.reset_seconds
                self._speech_left -= chunk_seconds
                if self._speech_left <= 0:
                    self.in_command = True
                    self._command_left = self.command_seconds - self.speech_seconds
                    self._silence_left = self.silence_seconds
            else:
                self._reset_left -= chunk_seconds
                if self._reset_left <= 0:
                    self._speech_left = self.speech_seconds
                    self._reset_left = self.reset_seconds
        elif speech_probability <= self.in_command_speech_threshold:
            self._reset_left = self.reset_seconds
            self._silence_left -= chunk_seconds
            self._command_left -= chunk_seconds
            if self._silence_left <= 0 and self._command_left <= 0:
                return False
        else:
            self._reset_left -= chunk_seconds
            self._command_left -= chunk_seconds
            if self._reset_left <= 0:
                self._silence_left = self.silence_seconds
                self._reset_left = self.reset_seconds
        return True


def home_assistant_end(pcm: bytes, silence_seconds: float, vad: str = "micro") -> float:
    """Seconds of audio Home Assistant streams before its VAD ends the command: `micro` as
    2025.4 and later (pymicro-vad, 10 ms chunks), `webrtc` as its first VAD (WebRTC VAD mode 3
    on 30 ms frames)."""
    segmenter = HomeAssistantVad(silence_seconds)
    chunk_seconds, probability = _speech_probability(vad)
    frame = int(chunk_seconds * RATE) * 2
    for index, offset in enumerate(range(0, len(pcm) - frame + 1, frame)):
        if not segmenter.process(chunk_seconds, probability(pcm[offset : offset + frame])):
            return (index + 1) * chunk_seconds
    return len(pcm) / 2 / RATE


def _speech_probability(vad: str) -> tuple[float, Callable[[bytes], float]]:
    """The chunk length and the speech probability of a chunk, as Home Assistant gets them."""
    if vad == "webrtc":
        webrtc = webrtcvad.Vad(3)
        return 0.03, lambda chunk: 1.0 if webrtc.is_speech(chunk, RATE) else 0.0
    if vad != "micro":
        raise ValueError(f"unknown VAD {vad!r} (micro or webrtc)")
    from pymicro_vad import MicroVad

    micro = MicroVad()
    return 0.01, lambda chunk: float(micro.Process10ms(chunk))


async def stream(
    port: int, pcm: bytes, *, stop_at: float | None, speech_end: float, sensitivity: str
) -> tuple[str, float]:
    """Paced; `stop_at` (HA's VAD): audio-stop after that many seconds, else stream until the
    transcript comes. Returns the text and the seconds from the end of speech to it."""
    step = CHUNK_SAMPLES * 2
    context: dict[str, Any] = {"streaming": False}
    if stop_at is not None:
        context["endpointing"] = False
    async with AsyncTcpClient("127.0.0.1", port) as client:
        request = Transcribe(language="en", context=context, vad_sensitivity=sensitivity)
        await client.write_event(request.event())
        await client.write_event(AudioStart(RATE, 2, 1).event())
        answer = asyncio.ensure_future(_transcript(client))
        started = time.perf_counter()
        limit = len(pcm) if stop_at is None else int(stop_at * RATE) * 2
        for index, offset in enumerate(range(0, limit, step)):
            await asyncio.sleep(max(0.0, started + index * CHUNK_SECONDS - time.perf_counter()))
            if answer.done():
                break
            piece = pcm[offset : min(offset + step, limit)]
            await client.write_event(AudioChunk(RATE, 2, 1, piece).event())
        await client.write_event(AudioStop().event())
        text, at = await asyncio.wait_for(answer, timeout=60)
    return text, at - (started + speech_end)


async def _transcript(client: AsyncTcpClient) -> tuple[str, float]:
    while True:
        event = await client.read_event()
        if event is None:
            raise RuntimeError("the server closed the connection")
        if Transcript.is_type(event.type):
            return Transcript.from_event(event).text, time.perf_counter()


def with_silence(clip: Clip) -> tuple[bytes, float]:
    audio = read_audio(clip.audio_path).to_float_16k()
    # A quiet microphone, not digital zeros: white noise at about -66 dBFS.
    noise = np.random.default_rng(0).normal(0, 0.0005, int(TRAILING_SECONDS * RATE))
    joined: NDArray[np.float32] = np.concatenate([audio, noise.astype(np.float32)])
    return float_to_int16(joined).astype("<i2").tobytes(), len(audio) / RATE


def run(
    model_dir: Path, corpora: list[Path], sensitivity: str, limit: int, ha_vad: str = "micro"
) -> dict[str, Any]:
    server = ServerProcess(model_dir, denoise=True, threads=1, extra=("--endpointing",))
    rows: list[dict[str, Any]] = []
    try:
        for corpus in corpora:
            clips = load_corpus(corpus)
            clips = clips[:: max(1, len(clips) // limit)][:limit]
            for number, clip in enumerate(clips):
                pcm, speech_end = with_silence(clip)
                ha_stop = home_assistant_end(pcm, SILENCE_SECONDS[sensitivity], ha_vad)
                row: dict[str, Any] = {"corpus": corpus.name, "clip": clip.name}
                order = ("ha", "ours") if number % 2 == 0 else ("ours", "ha")
                for mode in order:
                    text, latency = asyncio.run(
                        stream(
                            server.port,
                            pcm,
                            stop_at=ha_stop if mode == "ha" else None,
                            speech_end=speech_end,
                            sensitivity=sensitivity,
                        )
                    )
                    errors = count_errors(
                        normalize(clip.reference).split(), normalize(text).split()
                    )
                    row[mode] = {
                        "seconds": latency,
                        "errors": errors.errors,
                        "words": errors.reference_length,
                    }
                row["ha_stop_after_speech"] = ha_stop - speech_end
                rows.append(row)
                print(
                    f"{corpus.name}/{clip.name}: HA {row['ha']['seconds']:.2f} s, "
                    f"ours {row['ours']['seconds']:.2f} s",
                    flush=True,
                )
    finally:
        server.stop()
    return {
        "sensitivity": sensitivity,
        "ha_vad": ha_vad,
        "rows": rows,
        "summary": summarize(rows),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for corpus in sorted({row["corpus"] for row in rows}):
        chosen = [row for row in rows if row["corpus"] == corpus]
        figures: dict[str, Any] = {"clips": len(chosen)}
        for mode in ("ha", "ours"):
            seconds = sorted(row[mode]["seconds"] for row in chosen)
            words = sum(row[mode]["words"] for row in chosen)
            figures[mode] = {
                "median_s": round(statistics.median(seconds), 3),
                "p90_s": round(seconds[int(0.9 * (len(seconds) - 1))], 3),
                "wer": round(sum(row[mode]["errors"] for row in chosen) / max(words, 1), 4),
            }
        saved = sorted(row["ha"]["seconds"] - row["ours"]["seconds"] for row in chosen)
        figures["saved_median_s"] = round(statistics.median(saved), 3)
        figures["saved_min_s"] = round(saved[0], 3)
        summary[corpus] = figures
    return summary


def plot(report: dict[str, Any], path: Path) -> None:
    """Per corpus, the seconds from the end of speech to the transcript, clip by clip sorted:
    Home Assistant's VAD against the server's endpointing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = sorted({row["corpus"] for row in report["rows"]})
    figure, axes = plt.subplots(1, len(corpora), figsize=(5 * len(corpora), 3.6), squeeze=False)
    for axis, corpus in zip(axes[0], corpora, strict=True):
        rows = [row for row in report["rows"] if row["corpus"] == corpus]
        for mode, label in (("ha", "Home Assistant's VAD"), ("ours", "server endpointing")):
            seconds = sorted(row[mode]["seconds"] for row in rows)
            axis.plot(np.arange(1, len(seconds) + 1) / len(seconds), seconds, label=label)
        axis.set_title(f"{corpus} ({len(rows)} clips, vad_sensitivity {report['sensitivity']})")
        axis.set_xlabel("share of clips")
        axis.set_ylabel("end of speech -> transcript (s)")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--corpus", type=Path, action="append", default=[])
    parser.add_argument("--sensitivity", choices=sorted(SILENCE_SECONDS), default="default")
    parser.add_argument("--clips", type=int, default=30, help="at most this many per corpus")
    parser.add_argument(
        "--ha-vad",
        choices=("micro", "webrtc"),
        default="micro",
        help="Home Assistant's speech detector: pymicro-vad (2025.4 and later) or WebRTC VAD",
    )
    parser.add_argument("--out", type=Path, required=True, help="the JSON report")
    parser.add_argument("--plot", type=Path, help="also draw the report as a PNG")
    parser.add_argument(
        "--from-json", action="store_true", help="only plot the report already in --out"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        report = json.loads(args.out.read_text())
    else:
        if args.model_dir is None or not args.corpus:
            parser.error("--model-dir and --corpus are needed to measure")
        report = run(args.model_dir, args.corpus, args.sensitivity, args.clips, args.ha_vad)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    if args.plot is not None:
        plot(report, args.plot)
    print(json.dumps(report["summary"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
