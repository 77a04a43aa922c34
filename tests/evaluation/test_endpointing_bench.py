"""Home Assistant's end-of-speech rule as the endpointing bench reproduces it
(`evaluation/endpointing_bench.py`): its segmenter's timing, fed by each of its detectors."""

from __future__ import annotations

import pytest

from wyoming_local_asr.build.measure import TESTDATA_DIR
from wyoming_local_asr.evaluation.corpus import Clip
from wyoming_local_asr.evaluation.endpointing_bench import (
    HomeAssistantVad,
    home_assistant_end,
    with_silence,
)


def _ends_after(probabilities: list[float], chunk_seconds: float = 0.01) -> float | None:
    segmenter = HomeAssistantVad(silence_seconds=0.7)
    for index, probability in enumerate(probabilities):
        if not segmenter.process(chunk_seconds, probability):
            return (index + 1) * chunk_seconds
    return None


def test_a_command_ends_after_its_silence() -> None:
    # 1.5 s of speech, then silence: over 0.7 s after the speech.
    ended = _ends_after([0.9] * 150 + [0.0] * 200)
    assert ended == pytest.approx(1.5 + 0.7, abs=0.011)


def test_probabilities_between_the_thresholds_start_but_do_not_hold_a_command() -> None:
    # 0.3 counts as speech before the command (> 0.2) and as silence in it (<= 0.5), so the
    # command starts after 0.3 s and, at least 1 s long, ends 0.7 s of such audio later.
    ended = _ends_after([0.3] * 400)
    assert ended == pytest.approx(1.0, abs=0.011)


def test_a_short_sound_is_not_a_command() -> None:
    assert _ends_after([0.9] * 20 + [0.0] * 300) is None


@pytest.mark.parametrize("vad", ["micro", "webrtc"])
def test_real_speech_ends_soon_after_the_recording(vad: str) -> None:
    recording = TESTDATA_DIR / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"
    if not recording.is_file():
        pytest.fail("pocketsphinx-testdata must be installed (scripts/test does it)")
    pcm, speech_end = with_silence(Clip("0880", recording, ""))
    stop = home_assistant_end(pcm, 0.7, vad)
    # Not before the speech is over (less a pause's worth), and not at the end of the
    # trailing silence (4 s): the detector heard the speech and then the quiet.
    assert speech_end - 0.7 < stop < speech_end + 2.0


def test_an_unknown_detector_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown VAD"):
        home_assistant_end(bytes(3200), 0.7, "silero")
