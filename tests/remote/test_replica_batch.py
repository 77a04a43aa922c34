"""A replica's batch (`remote/deployment.recognize_batch`) without a cluster: segments of two
vocabularies, mixed, each answered as its recognizer answers it alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wyoming_local_asr.asr_service import load_recognizer_for
from wyoming_local_asr.build.measure import Clip
from wyoming_local_asr.config import Settings
from wyoming_local_asr.ctc_recognizer import CtcRecognizer

pytest.importorskip("ray")
from wyoming_local_asr.remote.deployment import recognize_batch
from wyoming_local_asr.remote.wire import SegmentRequest, encode_audio

pytestmark = pytest.mark.slow


def test_a_batch_answers_each_segment_as_its_recognizer_alone(
    default_model_dir: Path, real_clips: list[Clip], tmp_path: Path
) -> None:
    settings = Settings(
        model=str(default_model_dir), data_dir=tmp_path, precision="fp32", threads=1
    )
    base = load_recognizer_for(settings)
    named = load_recognizer_for(replace(settings, vocabulary=("dashwood",)))
    assert isinstance(base, CtcRecognizer) and base.acoustic_model.pads_exactly  # one padded run
    clips = real_clips[:6]
    jobs = [
        (base if i % 2 else named, SegmentRequest(encode_audio(clip.audio), str(i % 2)))
        for i, clip in enumerate(clips)
    ]
    batch = recognize_batch(jobs)
    for (recognizer, _), clip, answer in zip(jobs, clips, batch, strict=True):
        alone = recognizer.transcribe(clip.audio)
        assert answer.text == alone.text
        assert answer.score == pytest.approx(alone.score, abs=1e-2)
