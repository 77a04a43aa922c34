"""The home's command grammar: Home Assistant's templates over the home's own names."""

from __future__ import annotations

import pytest

from wyoming_local_asr.decode.grammar_lm import BLOCKED, GrammarLanguageModel
from wyoming_local_asr.vocabulary.grammar import AREA_SLOT, HomeGrammar, build_grammar, name_slot
from wyoming_local_asr.vocabulary.home import parse_vocabulary

pytest.importorskip("hassil")

HOME = parse_vocabulary(
    {
        "entities": [
            {"name": "Nanoleaf Panels", "domain": "light", "area": "Study"},
            {"name": "espresso machine", "domain": "switch", "area": "Kitchen"},
            {"name": "garage door", "domain": "cover", "area": "Garage"},
            {"name": "Nuki lock", "domain": "lock", "area": "Garage"},
        ],
        "areas": [{"name": "Study"}, {"name": "Kitchen"}, {"name": "Garage"}],
        "floors": [{"name": "Upstairs"}],
        "sentences": ["[start] movie night"],
        "phrases": ["patio heater"],
    }
)


@pytest.fixture(scope="module")
def grammar() -> HomeGrammar:
    return build_grammar(HOME)


def _sentences(grammar: HomeGrammar) -> set[str]:
    return {" ".join(t) for t in grammar.templates}


def test_names_only_go_where_their_domain_fits(grammar: HomeGrammar) -> None:
    sentences = _sentences(grammar)
    assert "turn on the <name:light>" in sentences
    assert "turn on the <name:switch>" in sentences
    assert "open the <name:cover>" in sentences
    assert "lock the <name:lock>" in sentences
    assert not any("brightness" in s and "<name:switch>" in s for s in sentences)
    assert not any(s.startswith(("open", "close")) and "<name:switch>" in s for s in sentences)
    # a name of unknown domain fits every name slot
    assert "turn on the <name:>" in sentences and "open the <name:>" in sentences
    assert grammar.fillers[name_slot("light")] == [("nanoleaf", "panels")]
    assert ("kitchen",) in grammar.fillers[AREA_SLOT]


def test_numbers_are_spoken_and_custom_sentences_are_templates(grammar: HomeGrammar) -> None:
    sentences = _sentences(grammar)
    assert "set the <name:light> brightness to fifty percent" in sentences
    assert not any(ch.isdigit() for s in sentences for ch in s)
    assert {"start movie night", "movie night"} <= sentences


def test_names_are_spelled_as_home_assistant_spells_them(grammar: HomeGrammar) -> None:
    words = ["turn", "on", "the", "nanoleaf", "panels", "in", "the", "study"]
    assert grammar.spell(words) == "turn on the Nanoleaf Panels in the Study"


def test_the_grammar_model_allows_its_sentences_only(grammar: HomeGrammar) -> None:
    lm = GrammarLanguageModel(grammar.templates, grammar.fillers)

    def score(text: str) -> float:
        state, total = lm.initial_state(), 0.0
        for word in text.split():
            logprob, state = lm.score(state, lm.word_id(word))
            total += logprob
        return total + lm.final_score(state)

    assert score("turn on the nanoleaf panels") == 0.0
    assert score("lock the nuki lock") == 0.0
    assert score("turn on the patio heater") == 0.0
    assert score("turn on the nanoleaf") <= BLOCKED  # half a name does not end a sentence
    assert score("open the espresso machine") <= BLOCKED  # a switch does not open
    assert score("turn on the bananas") <= BLOCKED
    assert "nanoleaf" in lm and "bananas" not in lm


def test_grammar_model_handles_ambiguous_slots() -> None:
    """A word can start a slot phrase and continue the template at the same time."""
    lm = GrammarLanguageModel(
        [("turn", "on", "<a>"), ("turn", "on", "<a>", "now")],
        {"<a>": [("lamp",), ("lamp", "two")]},
    )
    for text, allowed in [("turn on lamp", True), ("turn on lamp two now", True),
                          ("turn on lamp now", True), ("turn on two", False)]:  # fmt: skip
        state, total = lm.initial_state(), 0.0
        for word in text.split():
            logprob, state = lm.score(state, lm.word_id(word))
            total += logprob
        total += lm.final_score(state)
        assert (total == 0.0) is allowed, text


def test_a_large_home_builds_a_grammar_that_grows_with_its_domains_only() -> None:
    from wyoming_local_asr.evaluation.grammar_cost import large_home

    home = large_home()
    assert home.counts()["entities"] == 300
    assert (home.counts()["areas"], home.counts()["floors"]) == (30, 3)
    assert len({e.name for e in home.entities}) == 300
    small, large = build_grammar(HOME), build_grammar(home)
    # names are slot fillers: 300 entities add phrases, not sentences per name
    assert len(large.templates) < 5 * len(small.templates)
    assert sum(len(p) for p in large.fillers.values()) > 300
