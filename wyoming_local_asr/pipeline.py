"""The one path audio takes: convert -> denoise -> VAD -> recognizer -> text.

This module is the only place that knows the order of the stages. Each stage is optional
(`None` switches it off) and none of them knows about Wyoming, HTTP or Home Assistant.

An utterance can be fed in pieces as the client sends it (`Pipeline.stream`): conversion and
denoising run on each piece, so that after the last one only VAD and the recognizer are left.
The result is the same as running the whole utterance at once (`Pipeline.run`).

Long dictation is recognized in segments (`audio/segments.py` decides where to cut): a
streaming VAD follows the audio as it is fed, and once the audio since the last cut is
`SEGMENT_MIN_SECONDS` long, the next pause ends a segment (a segment without a pause is cut at
the quietest point before the acoustic model's chunk length). A finished segment is taken
(`take_segment`) and recognized on its own (`recognize_segment`, on any thread) and its audio
dropped; the final text joins the segments' texts in order. A command is shorter than
`SEGMENT_MIN_SECONDS`: it is one segment, recognized exactly as before. The same VAD ends a
command by itself with endpointing (`end_silence`): the audio after the end is ignored.

With a denoiser, the recognizer also hears the audio as it came and the transcript it scores
higher is kept (`compare_original`). RNNoise helps under babble and hurts under some steady
noise; the recognizer's own score (acoustic log-probability with the LM) tells which helps an
utterance. It costs a second pass of the recognizer. Measure it with `eval --noise-snr 10`
and `--no-compare-original` / `--no-denoise`; the figures are in `docs/tuning.md`.

With `denoise_below_snr` (the default), denoising is gated per segment (`audio/denoise_gate.py`):
a segment whose estimated SNR is at or above it is recognized once, on its original audio; the
VAD then follows the original audio (there is no denoised stream to follow), its frames' labels
and powers are also the SNR estimate's (one pass of WebRTC VAD over the stream), and denoising
runs ahead only once the audio so far sounds noisy.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .audio.convert import AudioFormat, StreamConverter
from .audio.denoise import Denoiser, DenoiseStream
from .audio.denoise_gate import LIVE_SLACK_SECONDS, DenoiseGate
from .audio.segments import HeldAudio, Segment, Segmenter
from .audio.snr import FRAME_SAMPLES as SNR_FRAME_SAMPLES
from .audio.vad import Endpointer, SpeechSegment, SpeechTracker
from .recognizer import SAMPLE_RATE, Recognizer

_T = TypeVar("_T")


@dataclass(frozen=True)
class PipelineResult:
    """The text of one utterance and what it cost."""

    text: str
    audio_seconds: float
    # Seconds per stage in pipeline order: convert, denoise, vad, then the recognizer's own stages.
    timings: dict[str, float] = field(default_factory=dict)
    # Where the VAD found speech, in seconds from the start; None when no speech was found
    # or VAD is off.
    speech: SpeechSegment | None = None
    phonemes: str = ""
    # True when the transcript comes from the audio without denoising (`compare_original`).
    original_kept: bool = False
    # Which search produced the words: "open", or "grammar" (the home's fast path).
    source: str = "open"

    @property
    def processing_seconds(self) -> float:
        return sum(self.timings.values())

    @property
    def real_time_factor(self) -> float:
        return self.processing_seconds / self.audio_seconds if self.audio_seconds > 0 else 0.0


class Pipeline:
    """Turns one utterance of client PCM into text. Safe to call from several threads at once."""

    def __init__(
        self,
        recognizer: Recognizer,
        denoiser: Denoiser | None = None,
        endpointer: Endpointer | None = None,
        *,
        compare_original: bool = True,
        denoise_below_snr: float | None = None,
    ) -> None:
        """`compare_original`: with a denoiser, also recognize the audio without denoising and
        keep the transcript with the higher score (when the recognizer gives scores).
        `denoise_below_snr` (dB): denoise only segments whose estimated SNR is below it (None:
        every segment)."""
        self.recognizer = recognizer
        self.denoiser = denoiser
        self.endpointer = endpointer
        self.compare_original = compare_original
        self.denoise_below_snr = denoise_below_snr

    def run(self, pcm: bytes, audio_format: AudioFormat) -> PipelineResult:
        """The whole utterance at once."""
        return self.stream(audio_format).finish(pcm)

    def stream(
        self,
        audio_format: AudioFormat,
        *,
        end_silence: float | None = None,
        max_seconds: float | None = None,
    ) -> PipelineStream:
        """A new utterance to be fed in pieces (`end_silence`: endpointing, see
        `PipelineStream`)."""
        return PipelineStream(self, audio_format, end_silence=end_silence, max_seconds=max_seconds)


class PipelineStream:
    """One utterance fed in pieces. Not thread-safe: feed it from one thread at a time (taking
    and recognizing segments, and `partial`, may run on other threads meanwhile)."""

    def __init__(
        self,
        pipeline: Pipeline,
        audio_format: AudioFormat,
        *,
        end_silence: float | None = None,
        max_seconds: float | None = None,
    ) -> None:
        """`end_silence` (seconds) turns on endpointing: the command ends after that much
        silence after speech, or after `max_seconds` in any case (needs the endpointer)."""
        self.pipeline = pipeline
        self._converter = StreamConverter(audio_format)
        self._denoise: DenoiseStream | None = None
        self._gate: DenoiseGate | None = None
        if pipeline.denoiser is not None and pipeline.denoise_below_snr is not None:
            vad = pipeline.endpointer
            aggressiveness = 2 if vad is None else vad.aggressiveness
            # The SNR meter reuses the endpointing VAD's labels when its frames are the meter's.
            labelled = vad is not None and vad.frame_samples == SNR_FRAME_SAMPLES
            self._gate = DenoiseGate(
                pipeline.denoiser, pipeline.denoise_below_snr, aggressiveness, labelled=labelled
            )
        elif pipeline.denoiser is not None:
            self._denoise = pipeline.denoiser.stream()
        self._timings: dict[str, float] = {"convert": 0.0}
        if pipeline.denoiser is not None:
            self._timings["denoise"] = 0.0
        # The audio since the last cut (denoised, unless gated), and before denoising when the
        # recognizer is to compare both.
        self._held = HeldAudio()
        self._originals: HeldAudio | None = None
        if self._denoise is not None and pipeline.compare_original:
            self._originals = HeldAudio()
        tracker = None
        if pipeline.endpointer is not None:
            tracker = SpeechTracker(
                pipeline.endpointer,
                end_silence=end_silence,
                max_seconds=max_seconds,
                measure_power=self._gate is not None and self._gate.labelled,
            )
        self._segmenter = Segmenter(tracker)
        self._ready: deque[Segment] = deque()
        self._results: dict[int, PipelineResult] = {}
        self._cuts = 0
        self._lock = threading.Lock()  # between a cut (feed) and a snapshot (partial)
        # Endpointing: the command recognized ahead, at the pause that may end it, with the
        # segments cut before it and the speech span it was cut to (see `speculate`).
        self._speculated: tuple[int, int] | None = None
        # ... and whether the gate had it denoised (None without the gate).
        self._speculation: tuple[int, SpeechSegment, PipelineResult, bool | None] | None = None
        self.recognized_ahead = False  # the final result was the speculative one
        self._first_audio: float | None = None  # when the gate first saw audio (monotonic)

    @property
    def ended(self) -> bool:
        """Endpointing ended the command: the audio fed after that is ignored."""
        return self._segmenter.ended

    @property
    def held_samples(self) -> int:
        """Samples held for recognition, every copy counted: the audio since the last cut and
        the segments cut but not taken yet."""
        held = self._held.samples + (0 if self._originals is None else self._originals.samples)
        held += 0 if self._gate is None else self._gate.held_samples
        for segment in list(self._ready):
            held += len(segment.audio) + (0 if segment.original is None else len(segment.original))
        return held

    @property
    def segments_cut(self) -> int:
        return self._cuts

    def feed(self, pcm: bytes) -> None:
        """Convert and denoise the next piece of client PCM; cut segments at pauses."""
        if self.ended:
            return
        audio = self._timed("convert", self._converter.feed, pcm)
        if self._originals is not None:
            self._originals.append(audio)
        if self._denoise is not None:
            audio = self._timed("denoise", self._denoise.feed, audio).audio
        self._add(audio)
        if self._gate is not None and not self.ended:
            self._timed("denoise", self._advance_gate)

    def take_segment(self) -> Segment | None:
        """The oldest segment cut and not yet taken (its audio is then the taker's)."""
        with self._lock:
            return self._ready.popleft() if self._ready else None

    def recognize_segment(self, segment: Segment) -> PipelineResult:
        """Recognize a taken segment (on any thread); `finish` joins its result in order."""
        result = self._recognize(segment.audio, {}, segment.original)
        self._results[segment.index] = result
        return result

    def finish(self, pcm: bytes = b"") -> PipelineResult:
        """Feed the last piece (if any), convert and denoise what is left, find the speech and
        recognize it, with the segments not taken yet; the text joins every segment's, in
        order. Frees the denoiser's state, whatever happens."""
        try:
            if pcm:
                self.feed(pcm)
            rest = self._timed("convert", self._converter.finish)
            if self._originals is not None and not self.ended:
                self._originals.append(rest)
            if self._denoise is not None:
                rest = self._timed("denoise", self._denoise.finish, rest).audio
            if not self.ended:
                self._held.append(rest)
                if self._gate is not None and self._gate.labelled:
                    heard = self._segmenter.hear(rest)
                    self._gate.hear(heard.labels, heard.powers)
            audio = self._held.take(self._held.end)
            original = None
            if self._originals is not None:
                original = self._originals.take(self._held.end)
            denoised: bool | None = None
            if self._gate is not None:
                audio, original, denoised = self._timed("denoise", self._take_gated, audio)
        finally:
            self.close()
        while (segment := self.take_segment()) is not None:
            self.recognize_segment(segment)
        last = self._reuse(audio, dict(self._timings), denoised)
        self.recognized_ahead = last is not None
        if last is None:
            last = self._recognize(audio, dict(self._timings), original)
        results = [self._results[index] for index in sorted(self._results)]
        return join_results([*results, last], self._held.end / SAMPLE_RATE)

    def partial(self) -> tuple[int, PipelineResult]:
        """A provisional result on the audio converted and denoised (with the gate: as it came)
        since the last cut, for streaming partial transcripts, with the number of segments cut
        before that audio. May run on another thread while `feed()` runs."""
        with self._lock:
            cuts = self._cuts
            audio = self._held.snapshot()
        return cuts, self._recognize(audio, {})

    def speculation_due(self) -> bool:
        """With endpointing, whether the speaker has paused long enough that the speech span
        of the command is settled unless they speak again: recognizing it now (`speculate`)
        saves the recognizer's time after the end, since the end adds only silence."""
        tracker = self._segmenter.tracker
        endpointer = self.pipeline.endpointer
        if tracker is None or endpointer is None or not tracker.endpointing:
            return False
        end = tracker.speech_end
        if end is None or tracker.in_speech or self.ended:
            return False
        padding = endpointer.padding_ms * SAMPLE_RATE // 1000
        return self._held.end > end + padding and self._speculated != (self._cuts, end)

    def speculate(self) -> None:
        """Recognize the audio since the last cut as if the command had ended here; `finish`
        uses the result when the final audio's speech span is the same (then the recognizer
        hears exactly the same samples). On any thread."""
        tracker = self._segmenter.tracker
        endpointer = self.pipeline.endpointer
        if tracker is None or endpointer is None or tracker.speech_end is None:
            return
        with self._lock:
            self._speculated = (self._cuts, tracker.speech_end)
            cuts = self._cuts
            original = None
            denoised: bool | None = None
            if self._gate is not None:
                gated = self._gate.peek(self._held)
                audio, denoised = gated.audio, gated.original is not None
                original = gated.original if self.pipeline.compare_original else None
            else:
                audio = self._held.snapshot()
                if self._originals is not None:
                    original = self._originals.window(self._held.start, self._held.end)
        speech = endpointer.find_speech(audio)
        if speech is None:
            return
        if speech.end * SAMPLE_RATE >= len(audio):
            # The padded span runs to the end of what is there (with the gate, the denoised
            # audio lags what was fed by RNNoise's and the resamplers' hold-back): try again
            # once more audio has come.
            with self._lock:
                self._speculated = None
            return
        self._speculation = (cuts, speech, self._recognize(audio, {}, original), denoised)

    def _reuse(
        self, audio: NDArray[np.float32], timings: dict[str, float], denoised: bool | None
    ) -> PipelineResult | None:
        """The speculative result, if it was made on the same speech of this last segment (and
        the same decision of the denoise gate)."""
        speculation, endpointer = self._speculation, self.pipeline.endpointer
        if speculation is None or endpointer is None or speculation[0] != self._cuts:
            return None
        if speculation[3] != denoised:
            return None
        start = time.perf_counter()
        speech = endpointer.find_speech(audio)
        timings["vad"] = time.perf_counter() - start
        result = speculation[2]
        if speech != speculation[1] or speech != result.speech:
            return None
        merged = {**timings, **{k: v for k, v in result.timings.items() if k != "vad"}}
        return replace(result, audio_seconds=len(audio) / SAMPLE_RATE, timings=merged)

    def _add(self, audio: NDArray[np.float32]) -> None:
        start = self._held.end
        self._held.append(audio)
        cuts, heard = self._segmenter.feed(audio, start, self._held)
        end = heard.end
        if self._gate is not None and self._gate.labelled:
            self._gate.hear(heard.labels, heard.powers)
        if end is not None:
            with self._lock:
                self._held.truncate(end)
                if self._originals is not None:
                    self._originals.truncate(end)
        for cut in cuts:
            self._cut(cut)

    def _cut(self, at: int) -> None:
        with self._lock:
            audio = self._held.take(at)
            original = None if self._originals is None else self._originals.take(at)
            if self._gate is not None:
                audio, original, _ = self._timed("denoise", self._take_gated, audio)
            self._ready.append(Segment(self._cuts, audio, original))
            self._cuts += 1

    def _advance_gate(self) -> None:
        assert self._gate is not None
        now = time.monotonic()
        if self._first_audio is None:
            self._first_audio = now
        live = self._held.end / SAMPLE_RATE <= now - self._first_audio + LIVE_SLACK_SECONDS
        with self._lock:
            self._gate.advance(self._held, live=live)

    def _take_gated(
        self, audio: NDArray[np.float32]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32] | None, bool]:
        """The gate's decision on a finished segment: what the recognizer hears, the original
        to compare with (None when clean or not comparing), and whether it was denoised."""
        assert self._gate is not None
        gated = self._gate.take(audio)
        denoised = gated.original is not None
        return gated.audio, gated.original if self.pipeline.compare_original else None, denoised

    def _recognize(
        self,
        audio: NDArray[np.float32],
        timings: dict[str, float],
        original: NDArray[np.float32] | None = None,
    ) -> PipelineResult:
        """The stages after denoising: VAD, then the recognizer (on `original` too, when given:
        the same audio before denoising, sample for sample)."""
        audio_seconds = len(audio) / SAMPLE_RATE
        speech: SpeechSegment | None = None
        if self.pipeline.endpointer is not None:
            start = time.perf_counter()
            speech = self.pipeline.endpointer.find_speech(audio)
            timings["vad"] = time.perf_counter() - start
            if speech is None:
                return PipelineResult("", audio_seconds, timings, None)
            audio = _cut(audio, speech)
            if original is not None:
                original = _cut(original, speech)

        recognizer = self.pipeline.recognizer
        transcription = recognizer.transcribe(audio)
        timings.update(transcription.timings)
        original_kept = False
        if original is not None and transcription.score is not None:
            other = recognizer.transcribe(original)
            for stage, seconds in other.timings.items():
                timings[stage] = timings.get(stage, 0.0) + seconds
            if other.score is not None and other.score > transcription.score:
                transcription, original_kept = other, True
        return PipelineResult(
            transcription.text,
            audio_seconds,
            timings,
            speech,
            transcription.phonemes,
            original_kept,
            transcription.source,
        )

    def close(self) -> None:
        """Free the denoiser's state (`finish()` does this too); safe to call twice."""
        if self._denoise is not None:
            self._denoise.close()
        if self._gate is not None:
            self._gate.reset()

    def _timed(self, stage: str, function: Callable[..., _T], *args: Any) -> _T:
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            self._timings[stage] += time.perf_counter() - start


def join_results(results: list[PipelineResult], audio_seconds: float) -> PipelineResult:
    """One utterance's result from its segments' (in order). One segment is its own result;
    several have no single speech span."""
    if len(results) == 1:
        return results[0]
    timings: dict[str, float] = {}
    for result in results:
        for stage, seconds in result.timings.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    spoken = [result for result in results if result.text.strip()]
    return PipelineResult(
        " ".join(result.text.strip() for result in spoken),
        audio_seconds,
        timings,
        None,
        " ".join(result.phonemes for result in spoken if result.phonemes),
        any(result.original_kept for result in spoken),
        "grammar" if spoken and all(r.source == "grammar" for r in spoken) else "open",
    )


def _cut(audio: NDArray[np.float32], segment: SpeechSegment) -> NDArray[np.float32]:
    first = int(segment.start * SAMPLE_RATE)
    last = int(np.ceil(segment.end * SAMPLE_RATE))
    return audio[first:last]
