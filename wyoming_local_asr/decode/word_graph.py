"""A graph of word sequences: the sentences a closed grammar allows, or the phrases of a slot.

Nodes are numbered from 0 (the start). An edge reads a word, or a slot (`<area>`): a phrase of
that slot's own graph. More than one edge may read the same word out of a node (the graph is a
nondeterministic automaton); `GrammarLanguageModel` determinizes it as the search asks. A graph
built only with `add_path` is a trie.
"""

from __future__ import annotations

from collections.abc import Sequence


def is_slot(token: str) -> bool:
    return token.startswith("<")


class WordGraph:
    def __init__(self) -> None:
        self.words: list[dict[str, list[int]]] = [{}]
        self.slots: list[list[tuple[str, int]]] = [[]]
        self.final: list[bool] = [False]

    def __len__(self) -> int:
        return len(self.final)

    def copy(self) -> WordGraph:
        graph = WordGraph()
        graph.words = [{w: list(t) for w, t in edges.items()} for edges in self.words]
        graph.slots = [list(edges) for edges in self.slots]
        graph.final = list(self.final)
        return graph

    def new_node(self) -> int:
        self.words.append({})
        self.slots.append([])
        self.final.append(False)
        return len(self.final) - 1

    def add_edge(self, source: int, token: str, target: int) -> None:
        if is_slot(token):
            if (token, target) not in self.slots[source]:
                self.slots[source].append((token, target))
            return
        targets = self.words[source].setdefault(token, [])
        if target not in targets:
            targets.append(target)

    def add_path(self, tokens: Sequence[str], start: int = 0) -> None:
        """Add `tokens` from `start` to a final node, sharing the prefix already there."""
        node = start
        for token in tokens:
            following = (
                [t for s, t in self.slots[node] if s == token]
                if is_slot(token)
                else self.words[node].get(token, [])
            )
            if following:
                node = following[0]
            else:
                child = self.new_node()
                self.add_edge(node, token, child)
                node = child
        self.final[node] = True

    def vocabulary(self) -> set[str]:
        """Every word an edge reads (slot names not included)."""
        return {word for edges in self.words for word in edges}
