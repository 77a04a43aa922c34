"""The home's command grammar: Home Assistant's templates over the home's own names."""

from __future__ import annotations

import pytest

from wyoming_local_asr.decode.grammar_lm import BLOCKED, GrammarLanguageModel
from wyoming_local_asr.decode.word_graph import WordGraph
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


class _Sentences:
    """`"turn on the <name:light>" in _Sentences(grammar)`: the grammar allows it."""

    def __init__(self, grammar: HomeGrammar) -> None:
        self.graph = grammar.sentences

    def __contains__(self, text: str) -> bool:
        """Whether the words and slot names of `text` lead from the start to a final node."""
        graph, nodes = self.graph, {0}
        for token in text.split():
            nodes = {
                target
                for node in nodes
                for target in (
                    [t for s, t in graph.slots[node] if s == token]
                    if token.startswith("<")
                    else graph.words[node].get(token, [])
                )
            }
        return any(graph.final[node] for node in nodes)


def _sentences(grammar: HomeGrammar) -> _Sentences:
    return _Sentences(grammar)


def test_names_only_go_where_their_domain_fits(grammar: HomeGrammar) -> None:
    sentences = _sentences(grammar)
    assert "turn on the <name:light>" in sentences
    assert "turn on the <name:switch>" in sentences
    assert "open the <name:cover>" in sentences
    assert "lock the <name:lock>" in sentences
    assert "set the <name:switch> brightness to <number:0-100/1> percent" not in sentences
    assert "open the <name:switch>" not in sentences
    assert "close the <name:switch>" not in sentences
    # a name of unknown domain fits every name slot
    assert "turn on the <name:>" in sentences and "open the <name:>" in sentences
    assert grammar.fillers[name_slot("light")] == [("nanoleaf", "panels")]
    assert ("kitchen",) in grammar.fillers[AREA_SLOT]


def test_numbers_are_spoken_and_custom_sentences_are_templates(grammar: HomeGrammar) -> None:
    sentences = _sentences(grammar)
    percent = "<number:0-100/1>"
    assert f"set the <name:light> brightness to {percent} percent" in sentences
    assert not any(ch.isdigit() for word in grammar.words for ch in word)
    numbers = grammar.fillers[percent]
    assert len(numbers) == 101 and ("seventy", "three") in numbers
    assert ("twenty", "one", "point", "five") in grammar.fillers["<number:0-100/1+halves>"]
    assert "start movie night" in sentences and "movie night" in sentences


def test_the_full_intents_are_in_the_grammar(grammar: HomeGrammar) -> None:
    """Beyond speech-to-phrase's subset: questions, vacuums, thermostats, all timers."""
    lm = GrammarLanguageModel(grammar.sentences, grammar.fillers)
    for text in [
        "is the garage door open",
        "what is the temperature in the kitchen",
        "set the temperature to twenty one point five degrees",
        "cancel all timers",
        "remove twenty minutes from my timer",
        "set the nanoleaf panels brightness to seventy three percent",
    ]:
        assert _score(lm, text) == 0.0, text


def test_names_are_spelled_as_home_assistant_spells_them(grammar: HomeGrammar) -> None:
    words = ["turn", "on", "the", "nanoleaf", "panels", "in", "the", "study"]
    assert grammar.spell(words) == "turn on the Nanoleaf Panels in the Study"


def _score(lm: GrammarLanguageModel, text: str) -> float:
    state, total = lm.initial_state(), 0.0
    for word in text.split():
        logprob, state = lm.score(state, lm.word_id(word))
        total += logprob
    return total + lm.final_score(state)


def test_the_grammar_model_allows_its_sentences_only(grammar: HomeGrammar) -> None:
    lm = GrammarLanguageModel(grammar.sentences, grammar.fillers)

    def score(text: str) -> float:
        return _score(lm, text)

    assert score("turn on the nanoleaf panels") == 0.0
    assert score("lock the nuki lock") == 0.0
    assert score("turn on the patio heater") == 0.0
    assert score("turn on the nanoleaf") <= BLOCKED  # half a name does not end a sentence
    assert score("open the espresso machine") <= BLOCKED  # a switch does not open
    assert score("turn on the bananas") <= BLOCKED
    assert "nanoleaf" in lm and "bananas" not in lm


def test_grammar_model_handles_ambiguous_slots() -> None:
    """A word can start a slot phrase and continue the template at the same time."""
    sentences = WordGraph()
    sentences.add_path(("turn", "on", "<a>"))
    sentences.add_path(("turn", "on", "<a>", "now"))
    lm = GrammarLanguageModel(sentences, {"<a>": [("lamp",), ("lamp", "two")]})
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
    assert len(large.sentences) < 2 * len(small.sentences)
    assert sum(len(p) for p in large.fillers.values()) > 300
