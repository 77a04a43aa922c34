"""The recognizer glue: acoustic model + decoder, for phoneme models and text-token models."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.asr_service import load_recognizer_for
from wyoming_local_asr.config import Settings
from wyoming_local_asr.decode.text_tokens import GreedyTextDecoder, greedy_text

# The `tiny_model` fixture of tests/model/conftest.py: (layout) -> (model dir, weight).
TinyModelFactory = Callable[..., tuple[Path, np.ndarray]]

GOFORWARD = Path("/usr/share/pocketsphinx/test/data/goforward.raw")


def _goforward() -> np.ndarray:
    return np.fromfile(GOFORWARD, dtype="<i2").astype(np.float32) / 32768.0


def test_default_model_recognizes_words_and_reports_stages(default_model_dir: Path) -> None:
    recognizer = load_recognizer_for(Settings(model=str(default_model_dir), threads=1))
    result = recognizer.transcribe(_goforward())
    assert result.text == "go forward ten meters"
    assert result.phonemes.count("|") == 3  # four words in the greedy phonemes
    assert set(result.timings) == {"model", "decode"}
    # The score compares versions of the same audio: clean speech scores above a noisy copy.
    assert result.score is not None and result.score < 0.0
    rng = np.random.default_rng(0)
    noisy = _goforward() + rng.standard_normal(len(_goforward())).astype(np.float32) * 0.05
    noisy_score = recognizer.transcribe(noisy).score
    assert noisy_score is not None and noisy_score < result.score
    assert recognizer.info.license == "Apache-2.0"
    assert "en" in recognizer.info.languages
    assert recognizer.info.execution_provider == "CPUExecutionProvider"  # no GPU here


def test_concurrent_transcriptions_agree(default_model_dir: Path) -> None:
    recognizer = load_recognizer_for(Settings(model=str(default_model_dir), threads=1))
    audio = _goforward()
    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda _: recognizer.transcribe(audio).text, range(6)))
    assert texts == ["go forward ten meters"] * 6


def test_added_phrase_makes_its_new_words_known(default_model_dir: Path) -> None:
    recognizer = load_recognizer_for(Settings(model=str(default_model_dir), threads=1))
    assert recognizer.decoder is not None
    assert "zorblax" not in recognizer.decoder.lexicon
    added = recognizer.add_phrases(["turn on the Zorblax lamp"])
    assert added == ["zorblax"]
    assert "zorblax" in recognizer.decoder.lexicon
    # Recognition of ordinary speech is unaffected.
    assert recognizer.transcribe(_goforward()).text == "go forward ten meters"


def test_text_token_models_decode_greedily(tiny_model: TinyModelFactory) -> None:
    model_dir, _ = tiny_model("waveform")
    recognizer = load_recognizer_for(Settings(model=str(model_dir), threads=1))
    assert isinstance(recognizer.decoder, GreedyTextDecoder)
    audio = np.random.default_rng(3).normal(0, 0.1, 16000).astype(np.float32)
    result = recognizer.transcribe(audio)
    logprobs = recognizer.acoustic_model(audio)
    expected = greedy_text(
        logprobs, recognizer.acoustic_model.tokens, recognizer.acoustic_model.blank_id
    )
    assert result.text == expected
    # Its score is the log-probability of the greedy path.
    assert result.score == pytest.approx(float(np.max(logprobs, axis=1).sum()), rel=1e-6)
    assert recognizer.add_phrases(["anything"]) == []
