"""The numpy fbank80 front end against Kaldi's (values recorded from kaldi-native-fbank 1.23)."""

from __future__ import annotations

import numpy as np

from wyoming_local_asr.acoustic.frontend import FbankOptions, fbank, mel_filterbank
from wyoming_local_asr.build.measure import TESTDATA_DIR, read_pcm16


def test_matches_kaldi_native_fbank_on_real_speech() -> None:
    """kaldi_native_fbank.OnlineFbank, dither 0, 80 bins, defaults otherwise, on goforward.raw."""
    features = fbank(read_pcm16(TESTDATA_DIR / "goforward.raw"))
    assert features.shape == (277, 80)
    expected = {
        (0, slice(0, 6)): [-13.6422, -13.1356, -12.9270, -13.1891, -13.6103, -14.4758],
        (100, slice(38, 44)): [-4.7083, -5.4431, -7.1790, -9.3659, -9.8748, -9.3273],
        (200, slice(70, 76)): [0.9897, 0.3196, 1.6316, 0.1195, 0.1238, 0.8849],
    }
    for (row, cols), values in expected.items():
        np.testing.assert_allclose(features[row, cols], values, atol=2e-3)
    assert abs(float(features.mean()) - (-8.453325)) < 1e-3


def test_frame_count_and_short_input() -> None:
    assert fbank(np.zeros(399, dtype=np.float32)).shape == (0, 80)
    assert fbank(np.zeros(400, dtype=np.float32)).shape == (1, 80)
    assert fbank(np.zeros(16000, dtype=np.float32)).shape == (98, 80)


def test_a_tone_lights_up_the_matching_mel_bin() -> None:
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    features = fbank(tone)
    weights = mel_filterbank(FbankOptions())
    fft_bin = round(1000 * 512 / 16000)
    assert features.mean(axis=0).argmax() == weights[fft_bin].argmax()


def test_per_feature_normalization_and_windows() -> None:
    audio = read_pcm16(TESTDATA_DIR / "goforward.raw")
    normalized = fbank(audio, FbankOptions(normalize="per_feature"))
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(normalized.std(axis=0), 1.0, atol=1e-2)
    hamming = fbank(audio, FbankOptions(window="hamming"))
    assert hamming.shape == normalized.shape and not np.allclose(hamming, fbank(audio))
    scaled = fbank(audio, FbankOptions(sample_scale=32768.0))
    # Power scales by 32768^2 except where the log floor clips near-silent bins.
    assert abs(float(np.median(scaled - fbank(audio))) - 2 * np.log(32768.0)) < 1e-3
