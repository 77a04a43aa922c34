"""Feature front ends of CTC models.

`waveform` models (like ours) take the samples themselves. `fbank80` models (sherpa-onnx
exports of NeMo, zipformer, ...) take Kaldi-style 80-bin log-mel filterbanks, computed here in
numpy: 25 ms frames every 10 ms, DC removal, pre-emphasis 0.97, Povey (or Hamming/Hann) window,
512-point FFT power spectrum, triangular mel filters, natural log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE

WindowName = Literal["povey", "hamming", "hann"]
_LOG_FLOOR = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class FbankOptions:
    num_bins: int = 80
    frame_length: int = 400  # 25 ms
    frame_shift: int = 160  # 10 ms
    fft_size: int = 512
    window: WindowName = "povey"
    preemphasis: float = 0.97
    low_freq: float = 20.0
    high_freq: float = SAMPLE_RATE / 2
    # Multiply samples in [-1, 1] by this first (32768 for models trained on int16 ranges).
    sample_scale: float = 1.0
    # "per_feature": zero mean, unit variance per bin over the utterance (NeMo).
    normalize: Literal["none", "per_feature"] = "none"


def _window(name: WindowName, length: int) -> NDArray[np.float64]:
    n = np.arange(length)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / (length - 1))
    if name == "povey":
        return np.asarray(hann**0.85, dtype=np.float64)
    if name == "hann":
        return np.asarray(hann, dtype=np.float64)
    return np.asarray(0.54 - 0.46 * np.cos(2 * np.pi * n / (length - 1)), dtype=np.float64)


def _mel(freq: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1127.0 * np.log1p(freq / 700.0), dtype=np.float64)


@lru_cache(maxsize=8)
def mel_filterbank(options: FbankOptions) -> NDArray[np.float32]:
    """[fft_size // 2, num_bins] triangular filters, equally spaced on Kaldi's mel scale."""
    n_fft_bins = options.fft_size // 2
    bin_freqs = np.arange(n_fft_bins) * SAMPLE_RATE / options.fft_size
    mel_points = np.linspace(
        _mel(np.array(options.low_freq)), _mel(np.array(options.high_freq)), options.num_bins + 2
    )
    mels = _mel(bin_freqs)
    left, center, right = mel_points[:-2], mel_points[1:-1], mel_points[2:]
    rising = (mels[:, None] - left[None, :]) / (center - left)[None, :]
    falling = (right[None, :] - mels[:, None]) / (right - center)[None, :]
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    return weights.astype(np.float32)


def fbank(audio: NDArray[np.float32], options: FbankOptions | None = None) -> NDArray[np.float32]:
    """Log-mel filterbank features [frames, num_bins] of 16 kHz audio (Kaldi `snip_edges`)."""
    opts = options or FbankOptions()
    samples = np.asarray(audio, dtype=np.float64) * opts.sample_scale
    if samples.shape[0] < opts.frame_length:
        return np.zeros((0, opts.num_bins), dtype=np.float32)
    count = 1 + (samples.shape[0] - opts.frame_length) // opts.frame_shift
    starts = np.arange(count)[:, None] * opts.frame_shift
    frames = samples[starts + np.arange(opts.frame_length)[None, :]]
    frames = frames - frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = (frames - opts.preemphasis * previous) * _window(opts.window, opts.frame_length)
    spectrum = np.fft.rfft(frames, n=opts.fft_size, axis=1)[:, : opts.fft_size // 2]
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    features: NDArray[np.float32] = np.log(np.maximum(power @ mel_filterbank(opts), _LOG_FLOOR))
    if opts.normalize == "per_feature" and features.shape[0] > 1:
        mean = features.mean(axis=0, keepdims=True)
        std = features.std(axis=0, keepdims=True)
        features = (features - mean) / (std + 1e-5)
    return features.astype(np.float32)
