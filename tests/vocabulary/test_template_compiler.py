"""Hassil templates compiled into a word graph hold exactly the sentences hassil expands."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from wyoming_local_asr.decode.command_words import normalize_sentence
from wyoming_local_asr.decode.word_graph import WordGraph
from wyoming_local_asr.vocabulary.template_compiler import compile_template

pytest.importorskip("hassil")

from hassil import Intents, RangeSlotList, TextSlotList
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_expression
from home_assistant_intents import get_intents, get_speech_to_phrase_intents

# Expanding a template with hassil to compare costs time: templates up to this many sentences.
MAX_SENTENCES = 3000


def _paths(graph: WordGraph, limit: int) -> Iterator[tuple[str, ...]]:
    """Up to `limit` distinct token sequences from the start to a final node, in order."""
    seen: set[tuple[str, ...]] = set()
    stack: list[tuple[int, tuple[str, ...]]] = [(0, ())]
    while stack and len(seen) < limit:
        node, tokens = stack.pop()
        if graph.final[node] and tokens and tokens not in seen:
            seen.add(tokens)
            yield tokens
        following = [(t, (*tokens, s)) for s, t in graph.slots[node]]
        following += [(t, (*tokens, w)) for w, ts in graph.words[node].items() for t in ts]
        stack.extend(reversed(following))


def _slot_marker(slot: str) -> str:
    return "zz" + "".join(c for c in slot if c.isalpha())


def _compare(expression: Any, lists: dict[str, Any], rules: dict[str, Any]) -> int | None:
    """Assert graph == hassil for one template; returns its sentence count (None: skipped)."""
    slots = {"name": ["<name>"], "area": ["<area>"], "floor": ["<floor>"]}
    slots.update(
        {name: [f"<{name}>"] for name, lst in lists.items() if isinstance(lst, RangeSlotList)}
    )
    graph = WordGraph()
    if not compile_template(expression, graph, lists=lists, rules=rules, slots=slots):
        return None
    markers = {_slot_marker(s[0]): s[0] for s in slots.values()}
    # spaces around the marker: a slot is a word of its own even where hassil glues ("{n}k")
    sample_lists = {**lists, **{n: TextSlotList.from_strings([f" {_slot_marker(s[0])} "])
                                for n, s in slots.items()}}  # fmt: skip
    expanded = sample_expression(expression, sample_lists, rules, language="en")
    texts = list(itertools.islice(expanded, MAX_SENTENCES + 1))
    if len(texts) > MAX_SENTENCES:
        return None
    expected = {tuple(markers.get(w, w) for w in normalize_sentence(text)) for text in texts}
    expected.discard(())
    assert set(_paths(graph, 10 * MAX_SENTENCES)) == expected
    return len(expected)


@pytest.mark.parametrize("source", ["speech_to_phrase", "full"])
def test_every_home_assistant_template_compiles_to_the_sentences_hassil_expands(
    source: str,
) -> None:
    document = (get_speech_to_phrase_intents if source == "speech_to_phrase" else get_intents)("en")
    assert document is not None
    intents = Intents.from_dict(document)
    compared = sentences = 0
    for intent in intents.intents.values():
        for data in intent.data:
            lists = {**intents.slot_lists, **data.slot_lists}
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for template in data.sentences:
                if set(template.list_names(rules)) & set(data.wildcard_list_names):
                    continue
                count = _compare(template.expression, lists, rules)
                if count is not None:
                    compared += 1
                    sentences += count
    # (of 123 and 862 templates here; the rest need free text or expand too far to compare)
    assert compared >= (120 if source == "speech_to_phrase" else 550)
    assert sentences > 1000


def test_words_glued_across_chunks_and_lists_of_values() -> None:
    graph = WordGraph()
    lists = {"color": TextSlotList.from_strings(["red", "dark blue"])}
    expression = parse_sentence("set {name} to {color}[ish] for {minutes}( |-)minute[s]").expression
    assert compile_template(
        expression,
        graph,
        lists=lists,
        rules={},
        slots={"name": ["<name>"], "minutes": ["<n>"]},
    )
    assert set(_paths(graph, 100)) == {
        ("set", "<name>", "to", *color, "for", "<n>", minute)
        for color in [("red",), ("redish",), ("dark", "blue"), ("dark", "blueish")]
        for minute in ("minute", "minutes")
    }


def test_templates_with_free_text_or_missing_names_add_nothing() -> None:
    graph = WordGraph()
    wildcard = parse_sentence("add {item} to my list").expression
    from hassil import WildcardSlotList

    lists = {"item": WildcardSlotList(name="item")}
    assert not compile_template(wildcard, graph, lists=lists, rules={}, slots={})
    no_names = parse_sentence("turn on {name}").expression
    assert not compile_template(no_names, graph, lists={}, rules={}, slots={"name": []})
    assert len(set(_paths(graph, 10))) == 0
