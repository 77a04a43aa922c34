"""Bounded memos for the decoder's hot lookups (LM scores, trie edges, look-ahead steps).

A memo is a plain dict, emptied when it reaches `MEMO_LIMIT` entries, so that a server's memory
stays bounded however long it runs and whatever it hears: an entry costs about 130 bytes, and
an utterance adds about a hundred new ones once the common commands are in. Emptying instead
of evicting one by one keeps the hit path a single dict lookup; the few utterances after a
reset refill what they need. Results are identical whatever the limit; the limit trades
decoding time against memory (`bench` measures both; the figures behind the default are in
`docs/tuning.md`).
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

MEMO_LIMIT = 5_000


def remember(memo: dict[K, V], key: K, value: V) -> V:
    """Store `value` under `key` (emptying a full memo first) and return it."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value
