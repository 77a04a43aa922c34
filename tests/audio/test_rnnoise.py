"""Our ctypes binding to librnnoise from the pyrnnoise wheel, on real speech."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.audio import rnnoise
from wyoming_local_asr.audio.resample import resample
from wyoming_local_asr.audio.rnnoise import (
    DELAY,
    FRAME_SIZE,
    RNNoiseState,
    RNNoiseUnavailableError,
    find_library,
)


def frames_48k(audio_16k: NDArray[np.float32]) -> NDArray[np.float32]:
    """16 kHz float audio as whole 480-sample frames at 48 kHz in int16 scale."""
    upsampled = resample(audio_16k, 16000, 48000) * 32768
    count = len(upsampled) // FRAME_SIZE
    return upsampled[: count * FRAME_SIZE].reshape(count, FRAME_SIZE)


def test_the_library_is_found_in_the_pyrnnoise_wheel_without_importing_it() -> None:
    code = (
        "import sys\n"
        "from wyoming_local_asr.audio.rnnoise import find_library, load_library\n"
        "load_library()\n"
        "assert 'pyrnnoise' not in sys.modules, 'pyrnnoise was imported'\n"
        "print(find_library())\n"
    )
    env = {"PATH": "/usr/bin:/bin"}  # no LOCAL_ASR_RNNOISE_LIB
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.name == "librnnoise.so"
    assert path.parent.name == "pyrnnoise"


def test_the_environment_variable_overrides_the_location(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = find_library()
    monkeypatch.setenv(rnnoise.ENV_LIBRARY, str(real))
    assert find_library() == real
    missing = tmp_path / "librnnoise.so"
    monkeypatch.setenv(rnnoise.ENV_LIBRARY, str(missing))
    with pytest.raises(RNNoiseUnavailableError, match=f"LOCAL_ASR_RNNOISE_LIB={missing}"):
        find_library()


def test_a_missing_library_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a machine without the pyrnnoise wheel and without a system librnnoise.
    monkeypatch.delenv(rnnoise.ENV_LIBRARY, raising=False)
    monkeypatch.setattr(rnnoise.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(rnnoise.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(rnnoise, "_library", None)
    with pytest.raises(RNNoiseUnavailableError) as error:
        RNNoiseState()
    message = str(error.value)
    assert "librnnoise not found" in message
    assert "pip install --no-deps pyrnnoise" in message
    assert "--no-denoise" in message


def test_speech_probability_follows_the_speech(goforward: NDArray[np.float32]) -> None:
    with RNNoiseState() as state:
        _, probability = state.process_frames(frames_48k(goforward))
    assert len(probability) == len(goforward) * 3 // FRAME_SIZE
    assert probability.min() >= 0.0
    assert probability.max() <= 1.0
    # goforward: silence until 0.5 s, "go forward ten meters" until about 2.4 s.
    silence = np.concatenate([probability[5:45], probability[250:]])
    speech = probability[60:220]
    assert np.mean(silence) < 0.1
    assert np.mean(speech) > 0.8


def test_the_output_lags_by_the_documented_delay(goforward: NDArray[np.float32]) -> None:
    frames = frames_48k(goforward)
    with RNNoiseState() as state:
        cleaned, _ = state.process_frames(frames)
    source, output = frames.reshape(-1), cleaned.reshape(-1)

    def correlation(lag: int) -> float:
        a, b = source[: len(source) - lag], output[lag:]
        return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))

    lags = range(3 * FRAME_SIZE)
    best = max(lags, key=correlation)
    assert best == DELAY
    assert correlation(DELAY) > 0.85


def test_states_are_independent_across_threads(
    goforward: NDArray[np.float32], librivox: list[NDArray[np.float32]]
) -> None:
    clips = [frames_48k(goforward), frames_48k(librivox[1]), frames_48k(librivox[4])]

    def run(frames: NDArray[np.float32]) -> NDArray[np.float32]:
        with RNNoiseState() as state:
            return state.process_frames(frames)[0]

    expected = [run(frames) for frames in clips]
    results: dict[int, NDArray[np.float32]] = {}
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, run(clips[i])))
        for i in range(len(clips))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, output in enumerate(expected):
        assert np.array_equal(results[index], output)


def test_frames_must_have_the_right_shape() -> None:
    with RNNoiseState() as state, pytest.raises(ValueError, match=r"shape \(n, 480\)"):
        state.process_frames(np.zeros((2, 160), dtype=np.float32))


def test_a_closed_state_refuses_work() -> None:
    state = RNNoiseState()
    state.close()
    state.close()  # closing twice is harmless
    with pytest.raises(ValueError, match="closed"):
        state.process_frames(np.zeros((1, FRAME_SIZE), dtype=np.float32))
