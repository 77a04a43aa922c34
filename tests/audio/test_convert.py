"""Client PCM to 16 kHz mono float: formats, round trips through other rates, no aliasing."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.convert import (
    AudioFormat,
    AudioFormatError,
    StreamConverter,
    decode_pcm,
    to_float_mono_16k,
)

RATES = [8000, 11025, 12000, 22050, 32000, 44100, 48000]


def fft_resample(x: NDArray[np.float32], rate_in: int, rate_out: int) -> NDArray[np.float64]:
    """Ideal band-limited resampling of a periodic signal (an independent reference)."""
    n_out = len(x) * rate_out // rate_in
    assert n_out * rate_in == len(x) * rate_out
    spectrum = np.fft.rfft(x.astype(np.float64))
    bins = n_out // 2 + 1
    if bins <= len(spectrum):
        spectrum = spectrum[:bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(bins - len(spectrum))])
    return np.fft.irfft(spectrum, n=n_out) * (n_out / len(x))


def snr_db(reference: NDArray[np.floating], test: NDArray[np.floating]) -> float:
    error = test - reference
    return float(10 * np.log10(np.sum(reference**2) / (np.sum(error**2) + 1e-30)))


def encode(samples: NDArray[np.floating], width: int) -> bytes:
    if width == 1:
        return (np.round(samples * 127) + 128).astype(np.uint8).tobytes()
    if width == 2:
        return np.round(samples * 32767).astype("<i2").tobytes()
    return np.round(samples * 2147483647).astype("<i4").tobytes()


@pytest.fixture(scope="module")
def speech(goforward: NDArray[np.float32]) -> NDArray[np.float32]:
    """goforward trimmed to a whole number of 40 ms, so every test rate has whole samples."""
    return goforward[: len(goforward) // 640 * 640]


@pytest.mark.parametrize(
    ("rate", "width", "channels", "message"),
    [
        (0, 2, 1, "rate 0 Hz is outside 8000..48000"),
        (96000, 2, 1, "rate 96000 Hz"),
        (7999, 2, 1, "rate 7999 Hz"),
        (16000, 3, 1, "width 3 bytes is not one of 1, 2, 4"),
        (16000, 2, 9, "9 channels is not 1 or 2"),
        (16000, 2, 0, "0 channels"),
        (16000.0, 2, 1, "rate 16000.0 Hz"),
        ("16000", 2, 1, "rate '16000' Hz"),
        (16000, True, 1, "width True bytes"),
    ],
)
def test_bad_formats_are_refused_with_a_clear_message(
    rate: object, width: object, channels: object, message: str
) -> None:
    with pytest.raises(AudioFormatError, match="unsupported audio format") as error:
        AudioFormat(rate, width, channels)  # type: ignore[arg-type]
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


def test_every_problem_of_a_format_is_named() -> None:
    with pytest.raises(AudioFormatError) as error:
        AudioFormat(0, 3, 9)
    assert str(error.value) == (
        "unsupported audio format: rate 0 Hz is outside 8000..48000; "
        "width 3 bytes is not one of 1, 2, 4; 9 channels is not 1 or 2"
    )


@pytest.mark.parametrize("rate", [8000, 48000])
@pytest.mark.parametrize("width", [1, 2, 4])
@pytest.mark.parametrize("channels", [1, 2])
def test_the_edges_of_the_supported_range_are_accepted(
    rate: int, width: int, channels: int
) -> None:
    fmt = AudioFormat(rate, width, channels)
    assert fmt.frame_bytes == width * channels
    assert fmt.bytes_per_second == rate * width * channels
    assert fmt.seconds(fmt.bytes_per_second * 3 + fmt.frame_bytes - 1) == 3.0


def test_16k_mono_16bit_is_decoded_exactly(goforward: NDArray[np.float32]) -> None:
    pcm = encode(goforward, 2)
    audio = to_float_mono_16k(pcm, AudioFormat(16000, 2, 1))
    assert audio.dtype == np.float32
    assert np.max(np.abs(audio - goforward)) < 1e-4


@pytest.mark.parametrize("rate", RATES)
def test_speech_at_another_rate_comes_back_close_to_the_original(
    speech: NDArray[np.float32], rate: int
) -> None:
    client = fft_resample(speech, 16000, rate)
    audio = to_float_mono_16k(encode(client, 2), AudioFormat(rate, 2, 1))
    assert len(audio) == len(speech)
    # What survives a trip through `rate` is the band below its Nyquist frequency; the
    # converter keeps 90% of the narrower band flat.
    reference = fft_resample(fft_resample(speech, 16000, rate), rate, 16000)
    band = min(rate, 16000) / 2 * 0.9
    reference_in_band = _low_pass(reference, band)
    assert snr_db(reference_in_band, _low_pass(audio, band)) > 40
    # The whole signal, transition band included, stays close too.
    assert snr_db(reference, audio) > (20 if rate < 16000 else 30)
    assert np.corrcoef(reference, audio)[0, 1] > 0.99


def _low_pass(x: NDArray[np.floating], cutoff_hz: float) -> NDArray[np.float64]:
    spectrum = np.fft.rfft(x.astype(np.float64))
    frequencies = np.fft.rfftfreq(len(x), 1 / 16000)
    spectrum[frequencies > cutoff_hz] = 0
    return np.fft.irfft(spectrum, n=len(x))


@pytest.mark.parametrize(("rate", "tone_hz"), [(48000, 12000), (44100, 15000), (22050, 9000)])
def test_tones_above_the_output_nyquist_frequency_do_not_alias(rate: int, tone_hz: int) -> None:
    t = np.arange(rate * 2) / rate
    tone = 0.5 * np.sin(2 * np.pi * tone_hz * t)
    audio = to_float_mono_16k(encode(tone, 2), AudioFormat(rate, 2, 1))
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    alias_hz = abs(tone_hz - 16000)  # where the tone would fold to without a low-pass filter
    alias_bin = round(alias_hz * len(audio) / 16000)
    # Reference: the same tone folded into the band appears at full level.
    folded = 0.5 * np.sin(2 * np.pi * alias_hz * np.arange(len(audio)) / 16000)
    full = np.abs(np.fft.rfft(folded * np.hanning(len(audio))))[alias_bin]
    assert 20 * np.log10(spectrum.max() / full) < -70
    assert np.sqrt(np.mean(audio**2)) < 1e-3


def test_stereo_is_averaged(speech: NDArray[np.float32]) -> None:
    stereo = np.stack([speech, 0.5 * speech], axis=1).reshape(-1)
    audio = to_float_mono_16k(encode(stereo, 2), AudioFormat(16000, 2, 2))
    assert np.max(np.abs(audio - 0.75 * speech)) < 1e-4
    opposite = np.stack([speech, -speech], axis=1).reshape(-1)
    silent = to_float_mono_16k(encode(opposite, 2), AudioFormat(16000, 2, 2))
    assert np.max(np.abs(silent)) < 1e-4


def test_stereo_44k_speech_round_trip(speech: NDArray[np.float32]) -> None:
    left = fft_resample(speech, 16000, 44100)
    stereo = np.stack([left, left], axis=1).reshape(-1)
    audio = to_float_mono_16k(encode(stereo, 2), AudioFormat(44100, 2, 2))
    assert snr_db(speech, audio) > 30


@pytest.mark.parametrize(("width", "min_snr"), [(1, 15), (2, 60), (4, 90)])
def test_sample_widths(speech: NDArray[np.float32], width: int, min_snr: float) -> None:
    audio = to_float_mono_16k(encode(speech, width), AudioFormat(16000, width, 1))
    assert snr_db(speech, audio) > min_snr


def test_8bit_pcm_is_unsigned() -> None:
    pcm = bytes([0, 64, 128, 192, 255])
    assert decode_pcm(pcm, AudioFormat(16000, 1, 1)).tolist() == [-1.0, -0.5, 0.0, 0.5, 127 / 128]


def test_32bit_pcm_is_signed_little_endian() -> None:
    pcm = np.array([-(2**31), 2**30, 0], dtype="<i4").tobytes()
    assert decode_pcm(pcm, AudioFormat(16000, 4, 1)).tolist() == [-1.0, 0.5, 0.0]


@pytest.mark.parametrize(("width", "channels"), [(2, 1), (2, 2), (4, 2), (1, 2)])
def test_a_trailing_partial_frame_is_dropped(
    speech: NDArray[np.float32], width: int, channels: int
) -> None:
    fmt = AudioFormat(22050, width, channels)
    client = np.repeat(fft_resample(speech, 16000, 22050), channels)
    pcm = encode(client, width)
    whole = to_float_mono_16k(pcm, fmt)
    for extra in range(1, width * channels):
        assert np.array_equal(to_float_mono_16k(pcm + b"\x7f" * extra, fmt), whole)


def test_output_is_clipped_to_full_scale() -> None:
    # A full-scale square wave overshoots (Gibbs) when low-passed.
    square = np.sign(np.sin(2 * np.pi * 1000 * np.arange(44100) / 44100))
    audio = to_float_mono_16k(encode(square, 2), AudioFormat(44100, 2, 1))
    assert np.max(np.abs(audio)) <= 1.0
    assert np.max(np.abs(audio)) > 0.99


def test_empty_input_gives_empty_audio() -> None:
    for rate in (16000, 44100):
        audio = to_float_mono_16k(b"", AudioFormat(rate, 2, 1))
        assert audio.dtype == np.float32
        assert len(audio) == 0


@pytest.mark.parametrize(
    ("rate", "width", "channels"), [(44100, 2, 2), (8000, 1, 1), (16000, 4, 2)]
)
def test_streaming_in_odd_chunks_equals_converting_at_once(
    speech: NDArray[np.float32], rate: int, width: int, channels: int
) -> None:
    fmt = AudioFormat(rate, width, channels)
    pcm = encode(np.repeat(fft_resample(speech, 16000, rate), channels), width)
    converter = StreamConverter(fmt)
    rng = np.random.default_rng(7)
    pieces, offset = [], 0
    while offset < len(pcm):
        size = int(rng.integers(1, 5000))  # splits sample frames on purpose
        pieces.append(converter.feed(pcm[offset : offset + size]))
        offset += size
    pieces.append(converter.finish())
    assert np.array_equal(np.concatenate(pieces), to_float_mono_16k(pcm, fmt))
    # Nearly everything is available before the stream ends: at most a few ms are held back.
    assert sum(len(p) for p in pieces[:-1]) > len(speech) - 16000 * 0.015
