"""Learning pronunciation variants end to end: held-out sentences spoken by held-out voices,
heard by the real default model, written by `lexicon learn`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wyoming_local_asr.build.learned_variants import known_pronunciations, read_variants
from wyoming_local_asr.cli import main
from wyoming_local_asr.evaluation.commands import command_sentences
from wyoming_local_asr.evaluation.corpus import write_wav
from wyoming_local_asr.evaluation.pronunciation_learning import (
    LEARNING_VOICES,
    build_learning_corpus,
)
from wyoming_local_asr.evaluation.synth import DEFAULT_VOICES, VOICES, available, synthesize

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def learning_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [name for name in LEARNING_VOICES if not available(VOICES[name])]
    if missing:
        pytest.skip(f"TTS voices not installed: {missing}")
    out = tmp_path_factory.mktemp("learn")
    clips = build_learning_corpus(out, per_intent=1)
    # One sentence per intent, except intents whose every sentence is in the evaluation.
    assert clips % len(LEARNING_VOICES) == 0
    assert 24 <= clips // len(LEARNING_VOICES) <= 27
    return out


def test_learning_data_is_held_out_from_the_evaluation(learning_corpus: Path) -> None:
    assert not set(LEARNING_VOICES) & set(DEFAULT_VOICES)
    manifest = json.loads((learning_corpus / "corpus.json").read_text())
    voices = {entry["voice"] for entry in manifest["clips"]}
    assert voices == set(LEARNING_VOICES)
    learned_from = {entry["reference"] for entry in manifest["clips"]}
    evaluated = {sentence.text for sentence in command_sentences()}
    assert not learned_from & evaluated
    assert command_sentences(per_intent=1, seed=1, exclude=evaluated) != command_sentences(
        per_intent=1, seed=1
    )


def test_lexicon_learn_writes_variants_the_model_heard(
    learning_corpus: Path, default_model_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "learned.tsv"
    args = ["lexicon", "learn", "--corpus", str(learning_corpus), "--output", str(output)]
    assert main([*args, "--model", str(default_model_dir)]) == 0
    learned = known_pronunciations(read_variants(output))
    # 78 short clips are enough for a few words said alike several times.
    assert learned
    packaged = known_pronunciations(read_variants())
    # Most of what was learned here is also in the packaged file (learned from 16x the data).
    pairs = {(w, tuple(v)) for w, variants in learned.items() for v in variants}
    shared = {(w, tuple(v)) for w, variants in packaged.items() for v in variants} & pairs
    assert len(shared) >= len(pairs) / 2


def test_lexicon_learn_reports_a_corpus_without_manifest(
    default_model_dir: Path, tmp_path: Path
) -> None:
    args = ["lexicon", "learn", "--corpus", str(tmp_path), "--output", str(tmp_path / "x.tsv")]
    assert main([*args, "--model", str(default_model_dir)]) == 1
    assert not (tmp_path / "x.tsv").exists()


@pytest.mark.parametrize(
    ("voice_name", "text"),
    [
        # Without the learned variants: "and you the radio", "and you the tv".
        ("flite_slt", "unmute the radio"),
        ("flite_rms", "unmute the tv"),
    ],
)
def test_learned_variants_let_evaluation_voices_be_understood(
    default_model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    voice_name: str,
    text: str,
) -> None:
    voice = VOICES[voice_name]
    if not available(voice):
        pytest.skip(f"{voice.program} is not installed")
    path = tmp_path / "command.wav"
    write_wav(path, synthesize(text, voice))
    assert main(["transcribe", str(path), "--model", str(default_model_dir)]) == 0
    assert capsys.readouterr().out.strip() == text
