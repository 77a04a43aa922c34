"""The VAD as audio arrives: where pauses are, where a command ends, where dictation is cut."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio.segments import HeldAudio, Segmenter
from wyoming_local_asr.audio.vad import Endpointer, SpeechTracker
from wyoming_local_asr.config import ENDPOINT_SILENCE_SECONDS

RATE = 16000
# goforward.raw: the words end at 2.38 s (tests/audio/test_vad.py).
WORDS_END = 2.38


def silence(seconds: float) -> NDArray[np.float32]:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def feed_in_chunks(tracker: SpeechTracker, audio: NDArray[np.float32]) -> int | None:
    """Feed 1024-sample chunks as a client sends them; where the command ended, if it did."""
    for offset in range(0, len(audio), 1024):
        heard = tracker.feed(audio[offset : offset + 1024])
        if heard.end is not None:
            return heard.end
    return None


def test_the_command_ends_after_the_silence_each_sensitivity_asks_for(
    goforward: NDArray[np.float32],
) -> None:
    audio = np.concatenate([silence(0.5), goforward, silence(3.0)])
    ends = {}
    for name, seconds in ENDPOINT_SILENCE_SECONDS.items():
        end = feed_in_chunks(SpeechTracker(Endpointer(), end_silence=seconds), audio)
        assert end is not None, name
        ends[name] = end / RATE
    assert ends["aggressive"] < ends["default"] < ends["relaxed"]
    # The silence needed is measured from the last speech frame: the ends differ by the
    # silences' differences (within two 30 ms frames).
    for name in ("aggressive", "relaxed"):
        gap = ENDPOINT_SILENCE_SECONDS[name] - ENDPOINT_SILENCE_SECONDS["default"]
        assert ends[name] - ends["default"] == pytest.approx(gap, abs=0.06)
    # After the words, never before them, and within the silence plus the smoothing window.
    assert 0.5 + WORDS_END < ends["aggressive"] <= 0.5 + WORDS_END + 0.25 + 0.4


def test_a_chunked_stream_hears_what_one_piece_hears(goforward: NDArray[np.float32]) -> None:
    audio = np.concatenate([goforward, silence(2.0)])
    whole = SpeechTracker(Endpointer(), end_silence=0.7).feed(audio).end
    assert whole is not None
    assert feed_in_chunks(SpeechTracker(Endpointer(), end_silence=0.7), audio) == whole


def test_without_speech_a_command_ends_only_at_its_time_limit() -> None:
    tracker = SpeechTracker(Endpointer(), end_silence=0.25, max_seconds=4.0)
    end = feed_in_chunks(tracker, silence(6.0))
    assert end is not None and end / RATE == pytest.approx(4.0, abs=0.04)
    assert not tracker.heard_speech
    assert feed_in_chunks(SpeechTracker(Endpointer(), end_silence=0.25), silence(6.0)) is None


def test_pauses_cut_long_speech_only_after_the_shortest_segment(
    goforward: NDArray[np.float32],
) -> None:
    # goforward (2.9 s) and 0.6 s pauses, ten times: 35 s with a pause every 3.5 s.
    audio = np.concatenate([np.concatenate([goforward, silence(0.6)]) for _ in range(10)])
    segmenter = Segmenter(SpeechTracker(Endpointer()), min_seconds=10.0, next_min_seconds=10.0)
    held = HeldAudio()
    cuts: list[int] = []
    for offset in range(0, len(audio), 1024):
        piece = audio[offset : offset + 1024]
        start = held.end
        held.append(piece)
        more, heard = segmenter.feed(piece, start, held)
        assert heard.end is None  # no endpointing asked for
        cuts += more
    lengths = np.diff([0, *cuts]) / RATE
    assert len(cuts) == 2  # at about 13 s and 26 s: the first pause after 10 s
    assert all(10.0 <= length <= 10.0 + 3.6 for length in lengths)
    # Each cut is in a pause: after the words of one goforward, before the next one begins.
    period = len(goforward) / RATE + 0.6
    for cut in cuts:
        assert WORDS_END < (cut / RATE) % period < period


def test_speech_without_a_pause_is_cut_at_the_chunk_length(goforward: NDArray[np.float32]) -> None:
    audio = np.concatenate([goforward] * 25)  # 72 s without a pause long enough
    segmenter = Segmenter(None)  # no VAD: only the forced cuts
    held = HeldAudio()
    cuts: list[int] = []
    for offset in range(0, len(audio), 4096):
        piece = audio[offset : offset + 4096]
        start = held.end
        held.append(piece)
        cuts += segmenter.feed(piece, start, held)[0]
    lengths = np.diff([0, *cuts]) / RATE
    assert len(cuts) == 2
    assert all(25.0 <= length <= 30.0 for length in lengths)


def test_after_the_first_cut_shorter_segments_do(goforward: NDArray[np.float32]) -> None:
    audio = np.concatenate([np.concatenate([goforward, silence(0.6)]) for _ in range(10)])
    segmenter = Segmenter(SpeechTracker(Endpointer()), min_seconds=10.0, next_min_seconds=5.0)
    held = HeldAudio()
    cuts: list[int] = []
    for offset in range(0, len(audio), 1024):
        piece = audio[offset : offset + 1024]
        start = held.end
        held.append(piece)
        cuts += segmenter.feed(piece, start, held)[0]
    lengths = np.diff([0, *cuts]) / RATE
    # The first at about 13 s (the first pause after 10 s), then every other pause (7 s).
    assert 10.0 <= lengths[0] <= 13.6
    assert len(cuts) >= 4
    assert all(5.0 <= length <= 5.0 + 3.6 for length in lengths[1:])


def test_held_audio_windows_and_cuts_are_those_of_the_whole() -> None:
    rng = np.random.default_rng(0)
    sizes = rng.integers(0, 1000, size=40)  # some pieces empty
    bounds = np.cumsum(sizes)
    whole = rng.standard_normal(int(bounds[-1])).astype(np.float32)
    held = HeldAudio()
    for lo, hi in zip([0, *bounds[:-1]], bounds, strict=True):
        held.append(whole[lo:hi])
    end = int(bounds[-1])
    assert held.end == end
    for lo, hi in [(0, end), (5, 6), (100, 3000), (end - 1, end + 10), (-50, 20), (700, 700)]:
        np.testing.assert_array_equal(held.window(lo, hi), whole[max(0, lo) : min(hi, end)])
    head = held.take(4321)
    np.testing.assert_array_equal(head, whole[:4321])
    assert held.start == 4321 and held.end == end
    np.testing.assert_array_equal(held.window(4000, 9000), whole[4321:9000])
    np.testing.assert_array_equal(held.snapshot(), whole[4321:end])
    held.truncate(12000)
    np.testing.assert_array_equal(held.snapshot(), whole[4321:12000])
    np.testing.assert_array_equal(held.take(20000), whole[4321:12000])
    assert held.samples == 0 and len(held.snapshot()) == 0
