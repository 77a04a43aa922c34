"""Hassil templates compiled into a `WordGraph`, without enumerating their sentences.

Home Assistant's English intents expand to millions of sentences (every optional word times
every alternative), but as a graph they are small. A template is compiled in two steps:

1. Its expression becomes a graph over characters (each text chunk a chain of characters,
   alternatives as branches, expansion rules inlined, a permutation as the alternative of its
   orders). Hassil joins chunks without spaces ("hour[s]", "{minutes}( |-)minute"), so words
   only exist once the characters are laid out.
2. Words are read off that graph: from each word boundary, every path of characters up to the
   next space (or slot, or end) is one token, normalized as the decoder's words are ("%" ->
   "percent", digits spelled, hyphens split).

A list reference becomes a slot edge when the caller names a slot for it (the home's names,
areas, floors and number ranges: their phrases live apart, so the graph does not grow with
the home); other text lists become alternatives of their values; a wildcard list makes the
template uncompilable, for the open decoder to handle.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from ..decode.command_words import normalize_sentence
from ..decode.word_graph import WordGraph

# Edge labels of the character graph: one character, a slot name ("<area>"), or None (nothing).
_Label = str | None
# Depth of nested rules beyond which a template counts as broken (rules that refer to themselves).
MAX_RULE_DEPTH = 20


class _Wildcard(Exception):
    """The template needs free text (a wildcard list) and has no closed form."""


class _CharGraph:
    def __init__(self) -> None:
        self.edges: list[list[tuple[_Label, int]]] = []

    def node(self) -> int:
        self.edges.append([])
        return len(self.edges) - 1

    def edge(self, source: int, label: _Label, target: int) -> None:
        self.edges[source].append((label, target))


class _Compiler:
    def __init__(
        self,
        lists: Mapping[str, Any],
        rules: Mapping[str, Any],
        slots: Mapping[str, Sequence[str]],
    ) -> None:
        self.lists = lists
        self.rules = rules
        self.slots = slots
        self.graph = _CharGraph()

    def compile(self, expression: Any, start: int, depth: int = 0) -> int | None:
        """Lay `expression` out from `start`; returns its end node (None: nothing matches)."""
        from hassil.expression import (
            Alternative,
            ListReference,
            Permutation,
            RuleReference,
            Sequence,
            TextChunk,
        )

        graph = self.graph
        if isinstance(expression, TextChunk):
            node = start
            for char in expression.original_text or "":
                following = graph.node()
                graph.edge(node, char, following)
                node = following
            return node
        if isinstance(expression, Sequence | Permutation) and not isinstance(
            expression, Alternative
        ):
            orders = (
                itertools.permutations(expression.items)
                if isinstance(expression, Permutation)
                else [expression.items]
            )
            end = graph.node()
            reached = False
            for items in orders:
                first = graph.node()
                graph.edge(start, None, first)
                at: int | None = first
                for item in items:
                    if at is None:
                        break
                    at = self.compile(item, at, depth)
                if at is not None:
                    graph.edge(at, " " if isinstance(expression, Permutation) else None, end)
                    reached = True
            return end if reached else None
        if isinstance(expression, Alternative):
            end = graph.node()
            reached = False
            for item in expression.items:
                branch = graph.node()
                graph.edge(start, None, branch)
                item_end = self.compile(item, branch, depth)
                if item_end is not None:
                    graph.edge(item_end, None, end)
                    reached = True
            return end if reached else None
        if isinstance(expression, RuleReference):
            rule = self.rules.get(expression.rule_name)
            if rule is None or depth >= MAX_RULE_DEPTH:
                return None
            return self.compile(rule.expression, start, depth + 1)
        if isinstance(expression, ListReference):
            return self._list(expression.list_name, start, depth)
        raise TypeError(f"unexpected hassil expression {type(expression).__name__}")

    def _list(self, list_name: str, start: int, depth: int) -> int | None:
        from hassil import TextSlotList, WildcardSlotList

        graph = self.graph
        if list_name in self.slots:
            slots = self.slots[list_name]
            if not slots:
                return None
            end = graph.node()
            for slot in slots:
                graph.edge(start, slot, end)
            return end
        slot_list = self.lists.get(list_name)
        if isinstance(slot_list, WildcardSlotList):
            raise _Wildcard(list_name)
        if not isinstance(slot_list, TextSlotList) or not slot_list.values:
            return None
        end = graph.node()
        reached = False
        for value in slot_list.values:
            branch = graph.node()
            graph.edge(start, None, branch)
            value_end = self.compile(value.text_in, branch, depth)
            if value_end is not None:
                graph.edge(value_end, None, end)
                reached = True
        return end if reached else None


def compile_template(
    expression: Any,
    out: WordGraph,
    *,
    lists: Mapping[str, Any],
    rules: Mapping[str, Any],
    slots: Mapping[str, Sequence[str]],
) -> bool:
    """Add the sentences of a hassil `expression` to `out` (from its start node). `slots` maps a
    list name to the slots that stand for it. Returns whether any sentence was added (never
    for a template with free text)."""
    compiler = _Compiler(lists, rules, slots)
    start = compiler.graph.node()
    try:
        end = compiler.compile(expression, start)
    except _Wildcard:
        return False
    if end is None:
        return False
    return _read_words(compiler.graph, start, end, out)


def _read_words(chars: _CharGraph, start: int, end: int, out: WordGraph) -> bool:
    """Add the words of character graph `chars` to `out`, its start at `out`'s node 0; returns
    whether a sentence of at least one word reaches the end."""
    word_node = {start: 0}  # character node at a word boundary -> node of `out`
    pending = [start]
    ends = False

    def node_of(char_node: int) -> int:
        if char_node not in word_node:
            word_node[char_node] = out.new_node()
            pending.append(char_node)
        return word_node[char_node]

    def emit(origin: int, tokens: list[str], target_char: int) -> None:
        source = word_node[origin]
        for token in tokens[:-1]:
            following = out.new_node()
            out.add_edge(source, token, following)
            source = following
        out.add_edge(source, tokens[-1], node_of(target_char))

    while pending:
        origin = pending.pop()
        # (character node, the characters of the word so far)
        stack: list[tuple[int, str]] = [(origin, "")]
        visited: set[tuple[int, str]] = set()
        while stack:
            node, text = stack.pop()
            if (node, text) in visited:
                continue
            visited.add((node, text))
            edges = chars.edges[node]
            at_boundary = node == end or any(
                label is not None and (len(label) > 1 or label.isspace()) for label, _ in edges
            )
            words = normalize_sentence(text) if text and at_boundary else []
            if node == end:
                if words:
                    emit(origin, words, end)
                elif word_node[origin] != 0:  # never the empty sentence
                    out.final[word_node[origin]] = True
                    ends = True
            for label, target in edges:
                if label is None:
                    stack.append((target, text))
                elif len(label) > 1:  # a slot
                    if words:
                        emit(origin, words, node)
                    else:
                        out.add_edge(word_node[origin], label, node_of(target))
                elif label.isspace():
                    if words:
                        emit(origin, words, target)
                    else:
                        stack.append((target, ""))
                else:
                    stack.append((target, text + label))
    return ends
