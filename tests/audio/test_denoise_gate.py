"""The denoise gate: clean segments pass as they are, noisy ones are denoised exactly as the
whole segment would be, however the audio arrived and wherever the segment was cut."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.denoise import Denoiser
from wyoming_local_asr.audio.denoise_gate import DenoiseGate
from wyoming_local_asr.audio.segments import HeldAudio
from wyoming_local_asr.audio.snr import SnrMeter, estimate_snr
from wyoming_local_asr.audio.vad import Endpointer, SpeechTracker
from wyoming_local_asr.evaluation.noise import add_noise

THRESHOLD = 20.0


@pytest.fixture(scope="module")
def denoiser() -> Denoiser:
    return Denoiser()


@pytest.fixture(scope="module")
def noisy(goforward: NDArray[np.float32]) -> NDArray[np.float32]:
    return add_noise(goforward, snr_db=10, seed=4, kind="white")


def arrive(
    gate: DenoiseGate, audio: NDArray[np.float32], piece: int, upto: int, *, live: bool = True
) -> HeldAudio:
    """Feed the gate as the pipeline does: the segment so far after each piece."""
    held = HeldAudio()
    for end in range(piece, upto + 1, piece):
        held.append(audio[end - piece : end])
        gate.advance(held, live=live)
    return held


def test_a_clean_segment_is_passed_as_it_is(
    denoiser: Denoiser, goforward: NDArray[np.float32]
) -> None:
    # goforward's background is about 21 dB below its speech: clean for a gate at 18 dB.
    gate = DenoiseGate(denoiser, 18.0)
    arrive(gate, goforward, 1024, len(goforward))
    assert gate.held_samples == 0  # nothing was denoised ahead
    taken = gate.take(goforward)
    assert taken.original is None and taken.snr is not None and taken.snr >= 18.0
    assert np.array_equal(taken.audio, goforward)


@pytest.mark.parametrize("piece", [333, 1024, 16000])
def test_a_noisy_segment_is_denoised_as_a_whole(
    denoiser: Denoiser, noisy: NDArray[np.float32], piece: int
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, piece, len(noisy))
    assert gate.held_samples > 0  # denoised ahead while the audio arrived
    taken = gate.take(noisy)
    assert taken.snr is not None and taken.snr < THRESHOLD
    assert taken.original is not None and np.array_equal(taken.original, noisy)
    assert np.array_equal(taken.audio, denoiser.process(noisy).audio)


def test_a_cut_before_what_was_measured_starts_over(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, 1024, len(noisy))
    segment = noisy[:25000]  # the cut fell before the audio already seen
    taken = gate.take(segment)
    assert np.array_equal(taken.audio, denoiser.process(segment).audio)
    # The next segment starts from scratch.
    rest = noisy[25000:]
    assert np.array_equal(gate.take(rest).audio, denoiser.process(rest).audio)


def test_peek_is_a_prefix_of_the_final_audio(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    held = arrive(gate, noisy, 1024, 40960)
    peeked = gate.peek(held)
    assert peeked.original is not None and len(peeked.audio) == len(peeked.original) > 0
    final = gate.take(noisy)
    assert np.array_equal(final.audio[: len(peeked.audio)], peeked.audio)


def test_silence_has_no_estimate_and_is_not_denoised(denoiser: Denoiser) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    silence = np.zeros(32000, dtype=np.float32)
    taken = gate.take(silence)
    assert taken.snr is None and taken.original is None
    gate.reset()
    gate.reset()  # twice is fine


def test_audio_sent_faster_than_real_time_is_only_measured(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    gate = DenoiseGate(denoiser, THRESHOLD)
    arrive(gate, noisy, 1024, len(noisy), live=False)
    assert gate.held_samples == 0  # nothing denoised ahead
    assert np.array_equal(gate.take(noisy).audio, denoiser.process(noisy).audio)


@pytest.mark.parametrize("piece", [333, 1024, 16000])
@pytest.mark.parametrize("kind", ["clean", "noisy"])
def test_the_endpointing_vads_labels_give_the_meters_own_estimate(
    denoiser: Denoiser,
    goforward: NDArray[np.float32],
    noisy: NDArray[np.float32],
    piece: int,
    kind: str,
) -> None:
    # The tracker labels the same 30 ms frames from the same start with the same VAD: reusing
    # its labels and powers (one pass) must decide exactly as the meter's own second pass did.
    audio = goforward if kind == "clean" else noisy
    tracker = SpeechTracker(Endpointer(), measure_power=True)
    gate = DenoiseGate(denoiser, THRESHOLD, labelled=True)
    held = HeldAudio()
    for start in range(0, len(audio), piece):
        held.append(audio[start : start + piece])
        heard = tracker.feed(audio[start : start + piece])
        gate.hear(heard.labels, heard.powers)
        gate.advance(held, live=False)
    taken = gate.take(held.snapshot())
    assert taken.snr is not None and taken.snr == estimate_snr(audio)
    assert (taken.original is not None) == (kind == "noisy")


def test_a_labelled_gate_measures_only_labelled_frames_and_whole_frames_after_a_cut(
    denoiser: Denoiser, noisy: NDArray[np.float32]
) -> None:
    heard = SpeechTracker(Endpointer(), measure_power=True).feed(noisy)
    labels, powers = heard.labels, heard.powers
    gate = DenoiseGate(denoiser, THRESHOLD, labelled=True)
    gate.hear(labels[:40], powers[:40])  # the VAD has labelled 40 frames so far
    first = noisy[:24100]  # 50 whole frames and 100 samples of the 51st
    held = HeldAudio()
    held.append(first)
    gate.advance(held, live=False)
    gate.hear(labels[40:], powers[40:])
    assert gate.take(first).snr == estimate_snr(first[:24000])
    # The next segment starts mid-frame (a forced cut): it is measured on frames 51 on.
    reference = SnrMeter(None)
    reference.add(powers[51:], labels[51:])
    taken = gate.take(noisy[24100:])
    assert taken.snr is not None and taken.snr == reference.estimate


def _counting_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Samples copied by `np.concatenate`, call by call."""
    copied: list[int] = []
    concatenate = np.concatenate

    def counted(*args: object, **kwargs: object) -> NDArray[np.float32]:
        result: NDArray[np.float32] = concatenate(*args, **kwargs)  # type: ignore[call-overload]
        copied.append(int(result.size))
        return result

    monkeypatch.setattr(np, "concatenate", counted)
    return copied


@pytest.mark.parametrize("live", [True, False])
def test_following_a_long_segment_copies_only_what_is_new(
    denoiser: Denoiser,
    noisy: NDArray[np.float32],
    monkeypatch: pytest.MonkeyPatch,
    live: bool,
) -> None:
    audio = np.concatenate([noisy] * 6)  # 17 s of one segment
    copied = _counting_copies(monkeypatch)
    gate = DenoiseGate(denoiser, THRESHOLD)
    held = HeldAudio()
    per_feed: list[int] = []
    for start in range(0, len(audio) - 1024, 1024):
        held.append(audio[start : start + 1024])
        copied.clear()
        gate.advance(held, live=live)
        per_feed.append(sum(copied))
    # Measuring copies about the new piece and a frame. Live and noisy, denoising starts once
    # (catching up with the segment so far, once) and then copies the piece at 48 kHz a few
    # times in RNNoise's resamplers: a bound per feed however long the segment grows (272000
    # samples by the end; copying it on every feed was quadratic).
    bound = 10 * 1024 if live else 3 * 1024
    assert len([count for count in per_feed if count > bound]) <= (1 if live else 0)
    assert gate.held_samples > 0 if live else gate.held_samples == 0
