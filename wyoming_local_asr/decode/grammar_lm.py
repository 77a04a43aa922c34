"""A closed grammar as a `LanguageModel`: only its sentences score, every other path is cut.

The grammar is a trie of templates whose tokens are words or slots (`<area>`), and per slot a
trie of the phrases that fill it. A state is the set of places the words so far can have
reached (a template node, or a point inside a slot's phrase with the template node after it),
determinized as the search asks for it and numbered. Every allowed word scores 0: inside the
grammar the acoustics decide; a word the grammar does not allow scores `BLOCKED`, and so does
ending anywhere but at the end of a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .memo import remember

BLOCKED = -1000.0
# (template node after the slot, slot, node in the slot's phrase trie); slot "" = no slot.
_Place = tuple[int, str, int]


class _Trie:
    def __init__(self) -> None:
        self.children: list[dict[str, int]] = [{}]
        self.final: list[bool] = [False]

    def add(self, tokens: Sequence[str]) -> None:
        node = 0
        for token in tokens:
            child = self.children[node].get(token)
            if child is None:
                child = len(self.children)
                self.children[node][token] = child
                self.children.append({})
                self.final.append(False)
            node = child
        self.final[node] = True


class GrammarLanguageModel:
    """Implements the `LanguageModel` Protocol (`language_model.py`)."""

    def __init__(
        self,
        templates: Iterable[Sequence[str]],
        fillers: Mapping[str, Iterable[Sequence[str]]],
    ) -> None:
        self._templates = _Trie()
        for template in templates:
            self._templates.add(template)
        self._fillers: dict[str, _Trie] = {}
        for slot, phrases in fillers.items():
            trie = self._fillers[slot] = _Trie()
            for phrase in phrases:
                trie.add(phrase)
        self._slot_edges = [
            [(token, after) for token, after in children.items() if token in self._fillers]
            for children in self._templates.children
        ]
        words = {w for c in self._templates.children for w in c if not w.startswith("<")}
        words.update(w for t in self._fillers.values() for c in t.children for w in c)
        self.words = ["<unk>", *sorted(words)]
        self._ids = {word: index for index, word in enumerate(self.words)}
        self._states: list[frozenset[_Place]] = []
        self._state_ids: dict[frozenset[_Place], int] = {}
        self._cache: dict[tuple[int, int], tuple[float, int]] = {}
        self._initial = self._state_of({(0, "", 0)})

    def __contains__(self, word: object) -> bool:
        return word in self._ids

    def word_id(self, word: str) -> int:
        return self._ids.get(word, 0)

    def initial_state(self) -> int:
        return self._initial

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        key = (state, word_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        following = self._advance(self._states[state], self.words[word_id]) if word_id else set()
        result = (0.0 if following else BLOCKED, self._state_of(following))
        return remember(self._cache, key, result)

    def final_score(self, state: int) -> float:
        ends = any(
            slot == "" and self._templates.final[node] for node, slot, _ in self._states[state]
        )
        return 0.0 if ends else BLOCKED

    def _state_of(self, places: set[_Place]) -> int:
        closed = frozenset(self._closure(places))
        index = self._state_ids.get(closed)
        if index is None:
            index = self._state_ids[closed] = len(self._states)
            self._states.append(closed)
        return index

    def _closure(self, places: set[_Place]) -> set[_Place]:
        """A finished slot phrase also stands at the template node after the slot."""
        closed = set(places)
        for node, slot, inner in places:
            if slot and self._fillers[slot].final[inner]:
                closed.add((node, "", 0))
        return closed

    def _advance(self, places: frozenset[_Place], word: str) -> set[_Place]:
        following: set[_Place] = set()
        templates = self._templates.children
        for node, slot, inner in places:
            if slot:
                child = self._fillers[slot].children[inner].get(word)
                if child is not None:
                    following.add((node, slot, child))
                continue
            child = templates[node].get(word)
            if child is not None:
                following.add((child, "", 0))
            for token, after in self._slot_edges[node]:
                start = self._fillers[token].children[0].get(word)
                if start is not None:
                    following.add((after, token, start))
        return following
