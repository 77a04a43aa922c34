"""The data behind the learned pronunciation variants (`build/learned_variants.py`).

Held out from the evaluation twice over: the sentences are Home Assistant commands that the
evaluation's command corpus does not contain, and the voices are the TTS voices it does not
use. The audio goes through the server's stages (RNNoise, VAD) before the acoustic model, so
the variants describe what the decoder will see; the caller passes that pipeline (`lexicon
learn` keeps to the denoised audio, so that the greedy phonemes do not depend on the lexicon).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..build.learned_variants import BOUNDARY, VariantCounts
from ..build.lexicon_build import normalize_phonemes
from ..decode.command_words import normalize_sentence
from ..pipeline import Pipeline
from ..progress import Progress
from .commands import command_sentences
from .commands_corpus import build_commands_corpus
from .corpus import MANIFEST, CorpusError, read_audio
from .synth import DEFAULT_VOICES

LEARNING_VOICES = ("festival_kal", "flite_kal16", "flite_awb")
LEARNING_SEED = 1
LEARNING_PER_INTENT = 20

assert not set(LEARNING_VOICES) & set(DEFAULT_VOICES), "learning voices must be held out"


def build_learning_corpus(
    out_dir: Path, per_intent: int = LEARNING_PER_INTENT, seed: int = LEARNING_SEED
) -> int:
    """Speak command sentences that the evaluation corpus lacks with the held-out voices;
    returns the number of clips."""
    evaluated = {sentence.text for sentence in command_sentences()}
    clips = build_commands_corpus(
        out_dir, LEARNING_VOICES, per_intent=per_intent, seed=seed, exclude=evaluated
    )
    return len(clips)


def count_heard(
    corpus_dir: Path,
    pipeline: Pipeline,
    pronounce: Callable[[str], Sequence[str] | None],
    inventory: frozenset[str],
) -> VariantCounts:
    """Run every clip of a command corpus (with its `corpus.json`) through `pipeline` and
    count what each word sounded like. `pronounce(word)` gives the expected phonemes (None:
    the clip is skipped); heard phonemes outside `inventory` are dropped."""
    try:
        manifest = json.loads((corpus_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CorpusError(f"{corpus_dir}: no readable {MANIFEST} ({error})") from error
    counts = VariantCounts()
    entries: list[Mapping[str, str]] = manifest.get("clips", [])
    with Progress("learn", total=len(entries)) as progress:
        for entry in entries:
            words = normalize_sentence(entry["spoken"])
            expected = [pronounce(word) for word in words]
            if words and all(expected):
                audio = read_audio(corpus_dir / f"{entry['name']}.wav")
                heard = pipeline.run(audio.pcm, audio.format).phonemes.split()
                tokens = [t if t == BOUNDARY else _phoneme(t, inventory) for t in heard]
                known = [list(phonemes or ()) for phonemes in expected]
                counts.add(words, known, [t for t in tokens if t], entry["voice"])
            progress.advance(note=entry["name"])
    return counts


def _phoneme(token: str, inventory: frozenset[str]) -> str:
    normalized = normalize_phonemes([token])
    return normalized[0] if normalized and normalized[0] in inventory else ""
