"""Endpointing with WebRTC VAD: where does the speech in an utterance start and end?

WebRTC VAD labels 10/20/30 ms frames of 16-bit PCM as speech or not. Single labels are noisy,
so they are smoothed like the classic `vad_collector`: a window of recent frames opens a speech
region when `start_ratio` of it is speech and closes it when `end_ratio` of it is silence. Short
bursts (a click, a cough shorter than the window's trigger count) never open a region.
The result spans the first to the last speech region, padded by `padding_ms` on each side so
that soft word onsets and endings are not clipped.

`SpeechTracker` runs the same smoothing frame by frame while audio arrives: it tells where the
speaker paused (a region closed: long dictation is cut there, `pipeline.py`) and, for
server-side endpointing, where a command ended (enough silence after speech, or a time limit).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import webrtcvad
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE
from .snr import frame_powers

FRAME_MS_CHOICES = (10, 20, 30)


@dataclass(frozen=True)
class SpeechSegment:
    """Speech found in an utterance, in seconds from its start."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class Endpointer:
    """Finds the span of speech in 16 kHz audio. Thread-safe: each call has its own VAD."""

    def __init__(
        self,
        aggressiveness: int = 2,
        *,
        padding_ms: int = 300,
        frame_ms: int = 30,
        window_ms: int = 300,
        start_ratio: float = 0.7,
        end_ratio: float = 0.9,
    ) -> None:
        if type(aggressiveness) is not int or not 0 <= aggressiveness <= 3:
            raise ValueError(f"VAD aggressiveness must be 0, 1, 2 or 3, got {aggressiveness!r}")
        if frame_ms not in FRAME_MS_CHOICES:
            raise ValueError(f"VAD frame length must be 10, 20 or 30 ms, got {frame_ms!r}")
        if padding_ms < 0:
            raise ValueError(f"VAD padding must not be negative, got {padding_ms!r} ms")
        if window_ms < frame_ms:
            raise ValueError(f"VAD window ({window_ms} ms) is shorter than a frame ({frame_ms} ms)")
        for name, ratio in (("start_ratio", start_ratio), ("end_ratio", end_ratio)):
            if not 0.0 < ratio <= 1.0:
                raise ValueError(f"VAD {name} must be in (0, 1], got {ratio!r}")
        self.aggressiveness = aggressiveness
        self.padding_ms = padding_ms
        self.frame_ms = frame_ms
        self.window_frames = window_ms // frame_ms
        self.start_ratio = start_ratio
        self.end_ratio = end_ratio

    def frame_is_speech(self, audio: NDArray[np.float32]) -> list[bool]:
        """WebRTC VAD's raw label for each whole frame of `frame_ms`."""
        frame_samples = SAMPLE_RATE * self.frame_ms // 1000
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        frame_bytes = 2 * frame_samples
        vad = webrtcvad.Vad(self.aggressiveness)
        return [
            bool(vad.is_speech(pcm[offset : offset + frame_bytes], SAMPLE_RATE))
            for offset in range(0, len(pcm) - frame_bytes + 1, frame_bytes)
        ]

    @property
    def frame_samples(self) -> int:
        return SAMPLE_RATE * self.frame_ms // 1000

    def speech_regions(self, labels: list[bool]) -> list[tuple[int, int]]:
        """Smoothed speech regions as [first, last + 1) frame indices, trimmed to speech frames."""
        regions: list[tuple[int, int]] = []
        window: deque[tuple[int, bool]] = deque(maxlen=self.window_frames)
        start: int | None = None
        last_speech = 0
        for index, is_speech in enumerate(labels):
            window.append((index, is_speech))
            if is_speech:
                last_speech = index
            voiced = sum(label for _, label in window)
            if start is None:
                if voiced >= self.start_ratio * self.window_frames:
                    start = next(i for i, label in window if label)
            elif len(window) - voiced >= self.end_ratio * self.window_frames:
                regions.append((start, last_speech + 1))
                start = None
                window.clear()
        if start is not None:
            regions.append((start, last_speech + 1))
        return regions

    def find_speech(self, audio: NDArray[np.float32]) -> SpeechSegment | None:
        """The padded span from the first to the last speech region, or None without speech."""
        regions = self.speech_regions(self.frame_is_speech(audio))
        if not regions:
            return None
        frame_seconds = self.frame_ms / 1000
        padding = self.padding_ms / 1000
        duration = len(audio) / SAMPLE_RATE
        return SpeechSegment(
            start=max(regions[0][0] * frame_seconds - padding, 0.0),
            end=min(regions[-1][1] * frame_seconds + padding, duration),
        )


@dataclass
class Heard:
    """What `SpeechTracker.feed` found in new audio, in samples from the utterance's start."""

    # Where each speech region closed (a pause long enough for the smoothing window).
    pauses: list[int] = field(default_factory=list)
    # Where the command ended (endpointing), if it did in this audio.
    end: int | None = None
    # WebRTC VAD's raw label of each frame labelled in this audio, in order (the frames follow
    # on from those labelled before: frame k is samples [k, k + 1) * frame_samples).
    labels: list[bool] = field(default_factory=list)
    # With `measure_power`: each of those frames' mean square (`audio/snr.py`'s `frame_powers`).
    powers: list[float] = field(default_factory=list)


class SpeechTracker:
    """`Endpointer`'s smoothing over one utterance, fed in pieces (one VAD state for the whole
    stream; not thread-safe).

    With `end_silence` (seconds), the command ends once a speech region has closed and no new
    one has opened for that long after its last speech frame, or after `max_seconds` of audio
    in any case (a client that never stops gets an answer). With `measure_power` it also
    gives each labelled frame's power, for the SNR estimate of the denoise gate."""

    def __init__(
        self,
        endpointer: Endpointer,
        *,
        end_silence: float | None = None,
        max_seconds: float | None = None,
        measure_power: bool = False,
    ) -> None:
        self.endpointer = endpointer
        self.measure_power = measure_power
        self._vad = webrtcvad.Vad(endpointer.aggressiveness)
        self._frame = endpointer.frame_samples
        self._rest = np.zeros(0, dtype=np.float32)
        self._window: deque[bool] = deque(maxlen=endpointer.window_frames)
        self._end_frames = (
            None if end_silence is None else max(1, round(end_silence * 1000 / endpointer.frame_ms))
        )
        self._max_frames = (
            None if max_seconds is None else max(1, int(max_seconds * 1000 / endpointer.frame_ms))
        )
        self.frames = 0  # frames labelled so far
        self.in_speech = False
        self.heard_speech = False
        self.ended = False
        # The last speech frame of a speech region (a lone noisy frame outside one does not
        # count: it would restart the silence).
        self._last_speech = 0

    def feed(self, audio: NDArray[np.float32]) -> Heard:
        heard = Heard()
        if self.ended:
            return heard
        samples = np.concatenate([self._rest, audio.astype(np.float32, copy=False)])
        count = len(samples) // self._frame
        self._rest = samples[count * self._frame :]
        if count == 0:
            return heard
        clipped = np.clip(samples[: count * self._frame], -1.0, 1.0)
        data = (clipped * 32767.0).round().astype("<i2").tobytes()
        if self.measure_power:
            heard.powers = frame_powers(clipped.reshape(count, -1))
        step = 2 * self._frame
        e = self.endpointer
        for index in range(count):
            is_speech = bool(
                self._vad.is_speech(data[index * step : (index + 1) * step], SAMPLE_RATE)
            )
            frame = self.frames
            self.frames += 1
            heard.labels.append(is_speech)
            self._window.append(is_speech)
            if is_speech and self.in_speech:
                self._last_speech = frame
            voiced = sum(self._window)
            if not self.in_speech:
                if voiced >= e.start_ratio * e.window_frames:
                    self.in_speech = self.heard_speech = True
                    self._last_speech = frame
            elif len(self._window) - voiced >= e.end_ratio * e.window_frames:
                self.in_speech = False
                self._window.clear()
                heard.pauses.append(self.frames * self._frame)
            if self._ends(frame):
                self.ended = True
                heard.end = self.frames * self._frame
                break
        del heard.powers[len(heard.labels) :]
        return heard

    @property
    def endpointing(self) -> bool:
        return self._end_frames is not None

    @property
    def speech_end(self) -> int | None:
        """Where the last speech region's last speech frame ends (samples), once speech was
        heard."""
        return (self._last_speech + 1) * self._frame if self.heard_speech else None

    def _ends(self, frame: int) -> bool:
        if self._max_frames is not None and self.frames >= self._max_frames:
            return True
        if self._end_frames is None or self.in_speech or not self.heard_speech:
            return False
        return frame - self._last_speech >= self._end_frames
