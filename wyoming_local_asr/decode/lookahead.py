"""Walking the pronunciation trie with LM look-ahead.

Each trie node gets a potential: `lm_weight` times the best `lookahead[w]` (for example the
unigram log-probability) of the words that end at or below it, relative to the root. Entering a
node multiplies a hypothesis by `exp(potential(child) - potential(parent))` and ending a word
divides the node's potential out again, so finished scores are exact while a partial word
already pays an estimate of its LM cost and competes fairly in the beam with finished ones.
Without look-ahead every potential is 0 and every factor 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .memo import MEMO_LIMIT
from .trie import NO_NODE, ROOT, PronunciationTrie

_NO_STEP = (NO_NODE, 0.0)
_FLOOR = -50.0  # look-ahead for words the LM gives no probability
# A trie with at most this many (node, token) pairs (a home grammar's few hundred words) keeps
# every step it met: its memo cannot outgrow that, and emptying it would cost more than it holds.
SMALL_TRIE_STEPS = 400_000


class TrieWalker:
    def __init__(
        self, trie: PronunciationTrie, lm_weight: float, lookahead: Sequence[float] | None
    ) -> None:
        self.trie = trie
        # Memo of `step`, keyed `node * trie.stride + token`; hot loops read it directly.
        self.steps: dict[int, tuple[int, float]] = {}
        # Memo of `is_final`, read directly by hot loops as well.
        self.finals: dict[int, bool] = {}
        # Memo of `children`, read directly by hot loops as well.
        self.kids: dict[int, list[tuple[int, int, float]]] = {}
        steps = trie.node_count * trie.stride
        self.memo_limit = max(MEMO_LIMIT, steps) if steps <= SMALL_TRIE_STEPS else MEMO_LIMIT
        self._added: dict[int, float] = {ROOT: 0.0}
        if lookahead is None:
            self._static = np.zeros(trie.static_node_count, dtype=np.float32)
        else:
            scores = np.asarray(lookahead, dtype=np.float64)
            scores = np.nan_to_num(scores, nan=_FLOOR, neginf=_FLOOR, posinf=0.0)
            best = trie.subtree_max(np.maximum(scores, _FLOOR))
            finite = np.isfinite(best)
            root = best[ROOT] if len(best) and finite[ROOT] else 0.0
            static = lm_weight * np.where(finite, best, root) - lm_weight * root
            self._static = static.astype(np.float32)  # one per trie node: half the memory

    def potential(self, node: int) -> float:
        """Look-ahead of `node` in nats (0 at the root). Nodes added to the trie after this
        walker was made inherit their parent's value when first reached."""
        found = self._added.get(node)
        if found is None:
            found = float(self._static[node])
        return found

    def step(self, node: int, token: int) -> tuple[int, float]:
        """The child of `node` by `token` (or NO_NODE) and the factor of entering it."""
        key = node * self.trie.stride + token
        found = self.steps.get(key)
        if found is None:
            following = self.trie.child(node, token)
            if following == NO_NODE:
                found = _NO_STEP
            else:
                here = self.potential(node)
                if following >= self.trie.static_node_count:
                    self._added.setdefault(following, here)
                found = (following, math.exp(self.potential(following) - here))
            if len(self.steps) >= self.memo_limit:
                self.steps.clear()
            self.steps[key] = found
        return found

    def children(self, node: int) -> list[tuple[int, int, float]]:
        """(token, child, factor of entering it) for every edge out of `node`."""
        found = self.kids.get(node)
        if found is None:
            found = [(token, *self.step(node, token)) for token, _ in self.trie.children(node)]
            if len(self.kids) >= self.memo_limit:
                self.kids.clear()
            self.kids[node] = found
        return found

    def is_final(self, node: int) -> bool:
        """Whether some word ends at `node`."""
        found = self.finals.get(node)
        if found is None:
            if len(self.finals) >= self.memo_limit:
                self.finals.clear()
            found = self.finals[node] = bool(self.trie.words(node))
        return found

    def clear(self) -> None:
        """Forget memoized steps (after words were added to the trie)."""
        self.steps.clear()
        self.finals.clear()
        self.kids.clear()
