"""A closed grammar as a `LanguageModel`: only its sentences score, every other path is cut.

The grammar is a graph of sentences whose edges read words or slots (`<area>`), and per slot a
trie of the phrases that fill it. A state is the set of places the words so far can have
reached (a sentence node, or a point inside a slot's phrase with the sentence node after it),
determinized as the search asks for it and numbered. Every allowed word scores 0: inside the
grammar the acoustics decide; a word the grammar does not allow scores `BLOCKED`, and so does
ending anywhere but at the end of a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .language_model import LanguageModel
from .memo import remember
from .word_graph import WordGraph

BLOCKED = -1000.0
# (sentence node after the slot, slot, node in the slot's phrase graph); slot "" = no slot.
_Place = tuple[int, str, int]


def phrase_graph(phrases: Iterable[Sequence[str]]) -> WordGraph:
    graph = WordGraph()
    for phrase in phrases:
        graph.add_path(phrase)
    return graph


class GrammarLanguageModel:
    """Implements the `LanguageModel` Protocol (`language_model.py`)."""

    def __init__(self, sentences: WordGraph, fillers: Mapping[str, Iterable[Sequence[str]]]):
        self._sentences = sentences
        self._fillers = {slot: phrase_graph(phrases) for slot, phrases in fillers.items()}
        words = sentences.vocabulary()
        words.update(w for graph in self._fillers.values() for w in graph.vocabulary())
        self.words = ["<unk>", *sorted(words)]
        self._ids = {word: index for index, word in enumerate(self.words)}
        self._states: list[frozenset[_Place]] = []
        self._state_ids: dict[frozenset[_Place], int] = {}
        self._cache: dict[tuple[int, int], tuple[float, int]] = {}
        self._allowed: dict[int, frozenset[int]] = {}
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

    def allowed_words(self, state: int) -> frozenset[int]:
        """The `ClosedVocabulary` Protocol: every word that can follow in `state`."""
        found = self._allowed.get(state)
        if found is None:
            words: set[str] = set()
            for node, slot, inner in self._states[state]:
                if slot:
                    words.update(self._fillers[slot].words[inner])
                    continue
                words.update(self._sentences.words[node])
                for token, _ in self._sentences.slots[node]:
                    filler = self._fillers.get(token)
                    if filler is not None:
                        words.update(filler.words[0])
            found = remember(self._allowed, state, frozenset(self._ids[w] for w in words))
        return found

    def closed_state(self, state: int) -> int:
        return state

    def final_score(self, state: int) -> float:
        final = self._sentences.final
        ends = any(slot == "" and final[node] for node, slot, _ in self._states[state])
        return 0.0 if ends else BLOCKED

    def _state_of(self, places: set[_Place]) -> int:
        closed = frozenset(self._closure(places))
        index = self._state_ids.get(closed)
        if index is None:
            index = self._state_ids[closed] = len(self._states)
            self._states.append(closed)
        return index

    def _closure(self, places: set[_Place]) -> set[_Place]:
        """A finished slot phrase also stands at the sentence node after the slot."""
        closed = set(places)
        for node, slot, inner in places:
            if slot and self._fillers[slot].final[inner]:
                closed.add((node, "", 0))
        return closed

    def _advance(self, places: frozenset[_Place], word: str) -> set[_Place]:
        following: set[_Place] = set()
        sentences = self._sentences
        for node, slot, inner in places:
            if slot:
                for child in self._fillers[slot].words[inner].get(word, ()):
                    following.add((node, slot, child))
                continue
            for child in sentences.words[node].get(word, ()):
                following.add((child, "", 0))
            for token, after in sentences.slots[node]:
                filler = self._fillers.get(token)
                if filler is not None:
                    for start in filler.words[0].get(word, ()):
                        following.add((after, token, start))
        return following


class GuidedGrammarModel:
    """The grammar's sentences scored by another language model: a word the grammar allows
    scores what `guide` gives it, every other path is cut. The closed search then ranks the
    home's sentences as the open search would (its acoustics and its language model), so the
    sentence it finds is the one that would win against the open words, and its score can be
    compared with theirs as it goes.

    A state packs the guide's state and the grammar's: `guide_state << GRAMMAR_BITS | grammar`;
    no table grows (the guide's states are packed ints too)."""

    GRAMMAR_BITS = 24

    def __init__(self, grammar: GrammarLanguageModel, guide: LanguageModel) -> None:
        self.grammar = grammar
        self.guide = guide
        self.words = grammar.words
        self._guide_ids = [guide.word_id(word) for word in grammar.words]
        self._mask = (1 << self.GRAMMAR_BITS) - 1
        self._cache: dict[tuple[int, int], tuple[float, int]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self.grammar

    def forget(self) -> None:
        """After the guide learned phrases: its ids and scores are asked again."""
        self._guide_ids = [self.guide.word_id(word) for word in self.grammar.words]
        self._cache.clear()

    def word_id(self, word: str) -> int:
        return self.grammar.word_id(word)

    def initial_state(self) -> int:
        return self._pack(self.guide.initial_state(), self.grammar.initial_state())

    def score(self, state: int, word_id: int) -> tuple[float, int]:
        key = (state, word_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        guide_state, grammar_state = state >> self.GRAMMAR_BITS, state & self._mask
        allowed, grammar_next = self.grammar.score(grammar_state, word_id)
        if allowed <= BLOCKED / 2:
            result = (BLOCKED, self._pack(guide_state, grammar_next))
        else:
            log_prob, guide_next = self.guide.score(guide_state, self._guide_ids[word_id])
            result = (log_prob, self._pack(guide_next, grammar_next))
        return remember(self._cache, key, result)

    def final_score(self, state: int) -> float:
        ends = self.grammar.final_score(state & self._mask)
        if ends <= BLOCKED / 2:
            return BLOCKED
        return self.guide.final_score(state >> self.GRAMMAR_BITS)

    def allowed_words(self, state: int) -> frozenset[int]:
        """The `ClosedVocabulary` Protocol, from the grammar's part of the state."""
        return self.grammar.allowed_words(state & self._mask)

    def closed_state(self, state: int) -> int:
        return state & self._mask

    def _pack(self, guide_state: int, grammar_state: int) -> int:
        if grammar_state > self._mask:
            raise OverflowError("the grammar has too many states")
        return guide_state << self.GRAMMAR_BITS | grammar_state
