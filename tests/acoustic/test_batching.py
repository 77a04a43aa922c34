"""Local micro-batching (`acoustic/batching.py`) on the real default model, from threads."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.acoustic.batching import MicroBatcher
from wyoming_local_asr.acoustic.runner import OnnxAcousticModel
from wyoming_local_asr.build.measure import Clip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fp32(default_model_dir: Path) -> OnnxAcousticModel:
    return OnnxAcousticModel(default_model_dir, quantized=False, device="cpu", threads=1)


def test_concurrent_utterances_share_batches_and_get_their_own_answers(
    fp32: OnnxAcousticModel, real_clips: list[Clip]
) -> None:
    sizes: list[int] = []

    def batch(audios: Sequence[NDArray[np.float32]]) -> list[NDArray[np.float32]]:
        sizes.append(len(audios))
        return fp32.batch(audios)

    batcher = MicroBatcher(batch, window_s=0.05, max_batch=4)
    audios = [clip.audio for clip in real_clips[:12]]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(batcher, audios, timeout=120))
    assert sum(sizes) == len(audios) and max(sizes) <= 4
    assert max(sizes) > 1, "8 threads within 50 ms never shared a batch"
    for audio, answer in zip(audios, answers, strict=True):
        alone = fp32(audio)
        assert answer.shape == alone.shape
        assert float(np.abs(answer - alone).max()) < 1e-3


def test_a_failing_batch_fails_each_of_its_callers(real_clips: list[Clip]) -> None:
    def broken(audios: Sequence[NDArray[np.float32]]) -> list[NDArray[np.float32]]:
        raise RuntimeError("the model failed")

    batcher = MicroBatcher(broken, window_s=0.01, max_batch=3)
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(batcher, clip.audio) for clip in real_clips[:5]]
        for future in futures:
            with pytest.raises(RuntimeError, match="the model failed"):
                future.result(timeout=30)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(lambda audios: [], window_s=-1.0, max_batch=4)
    with pytest.raises(ValueError):
        MicroBatcher(lambda audios: [], window_s=0.01, max_batch=0)
