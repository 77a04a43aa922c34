"""Client PCM (8-48 kHz, 8/16/32-bit, mono or stereo) to the recognizer's 16 kHz mono float audio.

Samples: 8-bit PCM is unsigned (WAV convention), 16- and 32-bit PCM are signed little-endian.
Stereo is averaged to mono; a trailing partial frame is dropped. The result is float32 in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE
from .resample import StreamResampler

MIN_RATE = 8_000
MAX_RATE = 48_000
WIDTHS = (1, 2, 4)
CHANNELS = (1, 2)

_DTYPES: dict[int, np.dtype[np.integer]] = {
    1: np.dtype(np.uint8),
    2: np.dtype("<i2"),
    4: np.dtype("<i4"),
}
_OFFSETS = {1: 128.0, 2: 0.0, 4: 0.0}
_SCALES = {1: 128.0, 2: 32768.0, 4: 2147483648.0}


class AudioFormatError(ValueError):
    """A client announced an audio format this server cannot take."""


@dataclass(frozen=True)
class AudioFormat:
    """PCM layout announced by a client at `audio-start`. Constructing one validates it, so the
    server can build it straight from the event and answer `AudioFormatError` with its message."""

    rate: int
    width: int
    channels: int

    def __post_init__(self) -> None:
        problems = []
        if not _is_int(self.rate) or not MIN_RATE <= self.rate <= MAX_RATE:
            problems.append(f"rate {self.rate!r} Hz is outside {MIN_RATE}..{MAX_RATE}")
        if not _is_int(self.width) or self.width not in WIDTHS:
            problems.append(f"width {self.width!r} bytes is not one of 1, 2, 4")
        if not _is_int(self.channels) or self.channels not in CHANNELS:
            problems.append(f"{self.channels!r} channels is not 1 or 2")
        if problems:
            raise AudioFormatError("unsupported audio format: " + "; ".join(problems))

    @property
    def frame_bytes(self) -> int:
        """Bytes per sample frame (one sample of every channel)."""
        return self.width * self.channels

    @property
    def bytes_per_second(self) -> int:
        return self.rate * self.frame_bytes

    def seconds(self, byte_count: int) -> float:
        """Duration of `byte_count` bytes of PCM in this format."""
        return (byte_count // self.frame_bytes) / self.rate


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_pcm(pcm: bytes, fmt: AudioFormat) -> NDArray[np.float32]:
    """Interleaved PCM to mono float32 in [-1, 1] at the client's rate."""
    frames = len(pcm) // fmt.frame_bytes
    raw = np.frombuffer(pcm, dtype=_DTYPES[fmt.width], count=frames * fmt.channels)
    samples: NDArray[np.float64] = (raw - _OFFSETS[fmt.width]) / _SCALES[fmt.width]
    if fmt.channels > 1:
        samples = samples.reshape(frames, fmt.channels).mean(axis=1)
    return samples.astype(np.float32)


def to_float_mono_16k(pcm: bytes, fmt: AudioFormat) -> NDArray[np.float32]:
    """Convert a whole utterance of client PCM to 16 kHz mono float32 in [-1, 1]."""
    converter = StreamConverter(fmt)
    return np.concatenate([converter.feed(pcm), converter.finish()])


class StreamConverter:
    """Converts PCM that arrives in chunks of any size (even splitting a sample frame).

    The concatenation of everything `feed()` and `finish()` return equals
    `to_float_mono_16k()` of the whole stream; `feed()` holds back only the few milliseconds
    that the resampler still needs.
    """

    def __init__(self, fmt: AudioFormat) -> None:
        self.format = fmt
        self._partial = b""
        self._resampler = StreamResampler(fmt.rate, SAMPLE_RATE)

    def feed(self, pcm: bytes) -> NDArray[np.float32]:
        data = self._partial + pcm
        whole = len(data) - len(data) % self.format.frame_bytes
        self._partial = data[whole:]
        return _clip(self._resampler.feed(decode_pcm(data[:whole], self.format)))

    def finish(self) -> NDArray[np.float32]:
        """The last samples; a trailing partial frame is dropped."""
        self._partial = b""
        return _clip(self._resampler.finish())


def _clip(samples: NDArray[np.float32]) -> NDArray[np.float32]:
    # Resampling a full-scale signal can overshoot slightly.
    return np.clip(samples, -1.0, 1.0, out=samples)
