"""The command model from Home Assistant's templates, and its mixture with the general model."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from lm_helpers import general_lm_dir

from wyoming_local_asr.build.command_sentences import template_sentences
from wyoming_local_asr.decode.command_lm import CommandLanguageModel
from wyoming_local_asr.decode.command_words import NAME, normalize_sentence
from wyoming_local_asr.decode.interpolated_lm import InterpolatedLanguageModel
from wyoming_local_asr.decode.ngram_counts import NgramCounts
from wyoming_local_asr.decode.ngram_lm import NgramLanguageModel

pytest.importorskip("hassil")
pytest.importorskip("pocketsphinx")

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox/transcription")
# Commands phrased as Home Assistant's templates allow, with names the command model lacks.
HELD_OUT_COMMANDS = [
    "turn on the kitchen lights",
    "turn off the porch light",
    "set the bedroom lights to fifty percent",
    "what is the temperature in the living room",
    "set a timer for ten minutes",
    "pause the music",
    "turn up the volume",
    "close the garage door",
    "is the front door locked",
    "what time is it",
]


@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    return template_sentences()


@pytest.fixture(scope="module")
def general() -> NgramLanguageModel:
    return NgramLanguageModel.load(general_lm_dir())


@pytest.fixture()
def command(sentences: list[list[str]]) -> CommandLanguageModel:
    return CommandLanguageModel(sentences)


def _score(model: object, words: list[str]) -> float:
    state = model.initial_state()  # type: ignore[attr-defined]
    total = 0.0
    for word in words:
        logprob, state = model.score(state, model.word_id(word))  # type: ignore[attr-defined]
        total += logprob
    return total + float(model.final_score(state))  # type: ignore[attr-defined]


def test_template_sentences_cover_the_intents(sentences: list[list[str]]) -> None:
    texts = {" ".join(words) for words in sentences}
    assert len(sentences) > 1000
    assert f"turn on the {NAME}" in texts
    assert any("percent" in text for text in texts)
    assert not any(
        re.search(r"\d|[{}<>]", text.replace(NAME, "")) for text in texts if "<" not in text
    )


def test_normalize_sentence() -> None:
    assert normalize_sentence("Set brightness to 75%") == [
        "set",
        "brightness",
        "to",
        "seventy",
        "five",
        "percent",
    ]
    assert normalize_sentence("What's the time?") == ["what's", "the", "time"]
    assert normalize_sentence("turn on the living-room lights") == [
        "turn",
        "on",
        "the",
        "living",
        "room",
        "lights",
    ]


def test_probabilities_sum_to_one(command: CommandLanguageModel) -> None:
    for context in [("<s>",), ("<s>", "turn"), ("turn", "on"), ("the",), ()]:
        total = sum(command.probability(context, word) for word in command.words)
        assert total == pytest.approx(1.0, abs=1e-9)


def test_placeholder_counts_equal_full_expansion() -> None:
    """Counting around placeholders gives the same counts as expanding every sentence."""
    fillers = {NAME: [["desk", "lamp"], ["tv"]], "<area>": [["kitchen"]]}
    sentence = ["turn", "on", "the", NAME, "in", "the", "<area>", "now"]
    counts = NgramCounts(fillers)
    counts.add_sentence(sentence)
    expected = NgramCounts({})
    for name in fillers[NAME]:
        expanded = ["turn", "on", "the", *name, "in", "the", "kitchen", "now"]
        expected.add_sentence(expanded, weight=0.5)
    got, want = counts.table(), expected.table()
    assert got.keys() == want.keys()
    for context, row in want.items():
        assert got[context] == pytest.approx(row)


def test_command_model_prefers_commands(
    command: CommandLanguageModel, general: NgramLanguageModel
) -> None:
    words = ["turn", "on", "the", "kitchen", "lights"]
    mixed = InterpolatedLanguageModel(general, command)
    assert _score(mixed, words) > _score(general, words) + 10.0  # e**10 times more likely
    assert _score(mixed, words) > _score(mixed, ["turn", "on", "the", "kitten", "lights"]) + 5.0


def test_mixture_costs_little_on_ordinary_english(
    command: CommandLanguageModel, general: NgramLanguageModel
) -> None:
    lines = LIBRIVOX.read_text().lower().splitlines()
    sentences = [normalize_sentence(re.sub(r"\([^)]*\)\s*$", "", line)) for line in lines]
    words = sum(len(sentence) + 1 for sentence in sentences)
    general_total = sum(_score(general, sentence) for sentence in sentences)

    def perplexity_ratio(mixed: InterpolatedLanguageModel) -> float:
        mixed_total = sum(_score(mixed, sentence) for sentence in sentences)
        return math.exp((general_total - mixed_total) / words)

    # At an even prior, perplexity of ordinary English rises by less than 6% (a fixed
    # word-by-word mixture with the same weight costs about 70%).
    assert perplexity_ratio(InterpolatedLanguageModel(general, command, 0.5, 6.0)) < 1.06
    # The defaults favour commands harder (prior 0.8, clip 4): still under 15%.
    assert perplexity_ratio(InterpolatedLanguageModel(general, command)) < 1.15


def test_add_phrases_takes_effect(
    command: CommandLanguageModel, general: NgramLanguageModel
) -> None:
    mixed = InterpolatedLanguageModel(general, command)
    words = ["turn", "on", "the", "aquarium", "pump"]
    before = _score(mixed, words)
    known_before = set(command.words)
    new_words = mixed.add_phrases(["Aquarium Pump", "Zorblax Heater"])
    assert set(new_words) == {"aquarium", "pump", "zorblax", "heater"} - known_before
    assert "zorblax" in new_words
    after = _score(mixed, words)
    assert after > before + 3.0
    # A word neither model knew gets its own id and a usable score once added.
    zorblax = mixed.word_id("zorblax")
    assert zorblax > mixed.unknown_id
    assert _score(mixed, ["turn", "off", "the", "zorblax", "heater"]) > -30.0
    # Ids of words nobody knows are handed out ahead (they score as unknown words), so an id
    # the decoder took before `add_phrases` works once the phrase is added.
    early = mixed.word_id("quuxlamp")
    unknown_score = mixed.score(mixed.initial_state(), mixed.unknown_id)[0]
    assert mixed.score(mixed.initial_state(), early)[0] == pytest.approx(unknown_score)
    mixed.add_phrases(["quuxlamp"])
    assert mixed.word_id("quuxlamp") == early
    assert mixed.score(mixed.initial_state(), early)[0] > unknown_score + 5.0


def test_scores_are_cached_consistently(
    command: CommandLanguageModel, general: NgramLanguageModel
) -> None:
    mixed = InterpolatedLanguageModel(general, command)
    state = mixed.initial_state()
    first = mixed.score(state, mixed.word_id("turn"))
    assert mixed.score(state, mixed.word_id("turn")) == first
    assert isinstance(first[1], int)
