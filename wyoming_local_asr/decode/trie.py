"""A prefix trie of pronunciations over token ids: which phoneme may follow, where words end.

The bulk of the trie is built at once with numpy, level by level, and kept as sorted arrays
(a few bytes per node). Nodes are numbered breadth first with the children of a node in token
order, so the edge keys `parent * stride + token` come out sorted and the child behind edge
`i` is node `i + 1`. The search asks for few edges per utterance; answers are memoized in a
dict. Words added later (names) live in small dicts next to the arrays, so adding them needs
no rebuild.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .memo import remember

ROOT = 0
NO_NODE = -1


class PronunciationTrie:
    """Maps token sequences to trie nodes; a node knows the words whose pronunciation ends
    there (several for homophones and for variants of a word)."""

    def __init__(
        self,
        word_ids: NDArray[np.int64],
        phonemes: NDArray[np.int64],
        offsets: NDArray[np.int64],
        token_count: int,
    ) -> None:
        """Build from pronunciations given as `phonemes[offsets[i]:offsets[i + 1]]` for word
        `word_ids[i]`; tokens are ids below `token_count`. Empty pronunciations are ignored."""
        self.stride = token_count
        lengths = np.diff(offsets)
        keep = lengths > 0
        word_ids, starts, lengths = word_ids[keep], offsets[:-1][keep], lengths[keep]
        current = np.zeros(len(lengths), dtype=np.int64)  # node reached so far per entry
        edge_keys: list[NDArray[np.int64]] = []
        node_count = 1
        self._level_starts = [1]
        for depth in range(int(lengths.max(initial=0))):
            alive = np.flatnonzero(lengths > depth)
            keys = current[alive] * self.stride + phonemes[starts[alive] + depth]
            unique, inverse = np.unique(keys, return_inverse=True)
            current[alive] = node_count + inverse
            node_count += len(unique)
            edge_keys.append(unique)
            self._level_starts.append(node_count)
        self._edge_keys = _compact(
            np.concatenate(edge_keys) if edge_keys else np.zeros(0, np.int64)
        )
        self._static_nodes = node_count
        # Words per end node, as CSR over the nodes sorted by id.
        order = np.argsort(current, kind="stable")
        final_nodes, first = np.unique(current[order], return_index=True)
        self._final_nodes = _compact(final_nodes)
        self._final_starts = _compact(np.append(first, len(order)))
        self._final_words = _compact(word_ids[order])
        # memoryviews: `bisect` over them runs at C speed for any int key (numpy's searchsorted
        # on an int32 array would convert the array to int64 at every call).
        self._edge_view = memoryview(self._edge_keys)
        self._final_view = memoryview(self._final_nodes)
        self._node_count = node_count
        self._added_edges: dict[int, int] = {}
        self._added_children: dict[int, list[tuple[int, int]]] = {}
        self._added_words: dict[int, tuple[int, ...]] = {}
        # Memoized answers of `child`, keyed `node * stride + token`; callers in hot loops may
        # read it directly and call `child` on a miss.
        self.edge_memo: dict[int, int] = {}
        self._word_memo: dict[int, tuple[int, ...]] = {}
        self._used_tokens = {int(token) for token in np.unique(self._edge_keys % self.stride)}

    @property
    def node_count(self) -> int:
        return self._node_count

    def child(self, node: int, token: int) -> int:
        """The node after `token` from `node`, or NO_NODE."""
        key = node * self.stride + token
        found = self.edge_memo.get(key)
        if found is None:
            found = self._added_edges.get(key, NO_NODE)
            if found == NO_NODE and node < self._static_nodes:
                index = _index_of(self._edge_view, key)
                if index >= 0:
                    found = index + 1
            remember(self.edge_memo, key, found)
        return found

    def children(self, node: int) -> list[tuple[int, int]]:
        """(token, child) for every edge out of `node`."""
        found = list(self._added_children.get(node, ()))
        if node < self._static_nodes:
            lo = bisect_left(self._edge_view, node * self.stride)
            hi = bisect_left(self._edge_view, (node + 1) * self.stride, lo)
            found += [(int(self._edge_keys[i]) % self.stride, i + 1) for i in range(lo, hi)]
        return found

    def words(self, node: int) -> tuple[int, ...]:
        """Ids of the words whose pronunciation ends at `node` (empty for most nodes)."""
        found = self._word_memo.get(node)
        if found is None:
            found = ()
            index = _index_of(self._final_view, node)
            if index >= 0:
                lo, hi = self._final_starts[index], self._final_starts[index + 1]
                found = tuple(sorted({int(word) for word in self._final_words[lo:hi]}))
            found += self._added_words.get(node, ())
            remember(self._word_memo, node, found)
        return found

    def find(self, tokens: Sequence[int]) -> int:
        """The node reached by `tokens` from the root, or NO_NODE."""
        node = ROOT
        for token in tokens:
            node = self.child(node, token)
            if node == NO_NODE:
                break
        return node

    def add(self, word_id: int, tokens: Sequence[int]) -> None:
        """Add one pronunciation of `word_id` (no-op when it is already there)."""
        if not tokens:
            return
        node = ROOT
        for token in tokens:
            if not 0 <= token < self.stride:
                raise ValueError(f"token id {token} outside 0..{self.stride - 1}")
            following = self.child(node, token)
            if following == NO_NODE:
                following = self._node_count
                self._node_count += 1
                key = node * self.stride + token
                self._added_edges[key] = following
                self._added_children.setdefault(node, []).append((token, following))
                self.edge_memo[key] = following
                self._used_tokens.add(token)
            node = following
        if word_id not in self.words(node):
            self._added_words[node] = (*self._added_words.get(node, ()), word_id)
            self._word_memo.pop(node, None)

    @property
    def static_node_count(self) -> int:
        """Nodes built at construction; `subtree_max` covers these."""
        return self._static_nodes

    def subtree_max(self, word_scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """For each node built at construction, the best `word_scores[w]` over the words `w`
        that end at or below it (-inf where none)."""
        best = np.full(self._static_nodes, -np.inf)
        counts = np.diff(self._final_starts)
        ends = np.repeat(self._final_nodes, counts)
        np.maximum.at(best, ends, word_scores[self._final_words])
        parents = np.concatenate([[0], self._edge_keys // self.stride])
        starts = self._level_starts
        for lo, hi in reversed(list(itertools.pairwise(starts))):
            np.maximum.at(best, parents[lo:hi], best[lo:hi])
        return best

    def used_tokens(self) -> frozenset[int]:
        """Tokens that occur in some pronunciation."""
        return frozenset(self._used_tokens)

    def first_tokens(self) -> list[int]:
        """Tokens that can start a word."""
        return [token for token in range(self.stride) if self.child(ROOT, token) != NO_NODE]


def _index_of(values: memoryview, key: int) -> int:
    """Where `key` is in the sorted `values`, -1 if it is not there."""
    index = bisect_left(values, key)
    return index if index < len(values) and values[index] == key else -1


def _compact(values: NDArray[np.int64]) -> NDArray[np.int64] | NDArray[np.int32]:
    """int32 when every value fits (always, for lexicons of this size): half the memory."""
    limit = np.iinfo(np.int32)
    if values.size and (int(np.max(values)) > limit.max or int(np.min(values)) < limit.min):
        return values
    return values.astype(np.int32)
