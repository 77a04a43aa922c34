"""Home Assistant's noise suppression and auto gain, reproduced for the audio-processing
comparison (`evaluation/audio_processing.py`)."""

from __future__ import annotations

import numpy as np

from wyoming_local_asr.evaluation.audio_processing import VARIANTS, ha_enhance


def _pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def test_enhance_keeps_the_length_and_suppresses_steady_noise() -> None:
    rng = np.random.default_rng(0)
    noise = 0.05 * rng.standard_normal(16000 * 3)
    pcm = _pcm(noise)[:-6]  # not a whole number of 10 ms frames
    out = ha_enhance(pcm, auto_gain_dbfs=0)
    assert len(out) == len(pcm)
    before = np.frombuffer(pcm, "<i2").astype(np.float64)[-16000:]
    after = np.frombuffer(out, "<i2").astype(np.float64)[-16000:]
    # Once the suppressor has learnt the noise, most of it is gone.
    assert np.sqrt(np.mean(after**2)) < 0.5 * np.sqrt(np.mean(before**2))


def test_auto_gain_raises_quiet_speech_like_audio() -> None:
    t = np.arange(16000 * 3) / 16000
    quiet = 0.01 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    out = ha_enhance(_pcm(quiet), noise_suppression_level=0, auto_gain_dbfs=31)
    level = np.abs(np.frombuffer(out, "<i2")[-16000:]).mean()
    assert level > 1.5 * np.abs(np.frombuffer(_pcm(quiet), "<i2")[-16000:]).mean()


def test_the_four_variants() -> None:
    assert VARIANTS == ("rnnoise-raw", "ha-ns-agc", "both", "neither")
