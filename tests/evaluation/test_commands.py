"""Home Assistant command sentences and their synthesis with the Debian TTS voices."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.evaluation.commands import command_sentences
from wyoming_local_asr.evaluation.commands_corpus import build_commands_corpus
from wyoming_local_asr.evaluation.corpus import load_corpus, read_audio
from wyoming_local_asr.evaluation.normalize import normalize
from wyoming_local_asr.evaluation.synth import DEFAULT_VOICES, VOICES, available, synthesize


def test_sentences_cover_every_intent_deterministically() -> None:
    sentences = command_sentences()
    assert sentences == command_sentences()
    assert len(sentences) >= 40
    assert len({s.text for s in sentences}) == len(sentences)
    assert len({s.intent for s in sentences}) == 27
    for sentence in sentences:
        assert re.fullmatch(r"[a-z]+( [a-z]+)*", sentence.text), sentence.text
        assert normalize(sentence.spoken) == sentence.text
    assert command_sentences(seed=1) != sentences
    assert len(command_sentences(per_intent=1)) == 27


@pytest.mark.parametrize("voice_name", DEFAULT_VOICES)
def test_each_voice_speaks_a_command(voice_name: str) -> None:
    voice = VOICES[voice_name]
    if not available(voice):
        pytest.skip(f"{voice.program} is not installed")
    samples = synthesize("turn on the kitchen lights", voice)
    assert samples.dtype == np.float32
    assert 0.8 < len(samples) / 16000 < 4.0
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    assert rms > 0.01
    assert np.max(np.abs(samples)) <= 1.0


def test_commands_corpus_is_16k_mono_speech(tmp_path: Path) -> None:
    voice = VOICES["flite_slt"]
    if not available(voice):
        pytest.skip("flite is not installed")
    clips = build_commands_corpus(tmp_path, ["flite_slt"], per_intent=1, show_progress=False)
    assert len(clips) == 27
    assert [c.name for c in load_corpus(tmp_path)] == [f"flite_slt_{i:03d}" for i in range(27)]
    for clip in clips:
        audio = read_audio(clip.audio_path)
        assert (audio.format.rate, audio.format.channels, audio.format.width) == (16000, 1, 2)
        # At least a quarter second per word and no more than a second per word.
        words = len(clip.reference.split())
        assert 0.25 * words < audio.seconds < 1.0 * words + 1.0, clip
    manifest = json.loads((tmp_path / "corpus.json").read_text())
    assert {entry["voice"] for entry in manifest["clips"]} == {"flite_slt"}
    assert len({entry["intent"] for entry in manifest["clips"]}) == 27
