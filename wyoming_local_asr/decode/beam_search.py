"""CTC prefix beam search over phonemes, constrained by a pronunciation trie, scored by a word LM.

A hypothesis is a word history plus a partial word (a trie node). It carries two CTC
probabilities: ending in blank (`pb`) and ending in its last token (`pnb`). Scores are kept as
probabilities, rescaled every frame so that the best hypothesis has total 1; the language model
multiplies in `exp(lm_weight * log P(word | history) + word_bonus)` when a word ends (with the
look-ahead of `lookahead.py` applied along the way). A word ends at the model's word-boundary
token or directly where the next word's first phoneme starts.

Hypotheses live in a dict keyed by `lm_state << 32 | node`. Two hypotheses with the same LM
state and trie node have the same future, so they merge (recombination): their probabilities
add up and the history of the larger contribution is kept. Histories are numbered per search
and created only for hypotheses that survive pruning.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..config import DEFAULT_BEAM
from .language_model import ClosedVocabulary, LanguageModel
from .lookahead import TrieWalker
from .memo import remember
from .trie import NO_NODE, ROOT, PronunciationTrie

_NODE_BITS = 32
_NODE_MASK = (1 << _NODE_BITS) - 1
# The last token of hypotheses at the root (after a word boundary or at the start).
_BOUNDARY = -1
_NO_WORD = -1

# A hypothesis: [pb, pnb, last token, history, pending word, largest contribution this frame].
# A pending word (not _NO_WORD) was just finished: the history is its predecessor's until the
# hypothesis survives pruning. The largest contribution decides whose history a merge keeps.
Hypothesis = list[Any]
WordEnd = tuple[int, int, float]  # (word, key part of the LM state after it, factor)


@dataclass(frozen=True)
class SearchOptions:
    """The search's settings; `DecoderOptions` takes its defaults from here."""

    beam: int = DEFAULT_BEAM
    # Hypotheses whose log-probability is this far below the best are dropped.
    beam_threshold: float = 8.0
    # Natural-log weight of the LM and bonus per word.
    lm_weight: float = 0.6
    word_bonus: float = 0.0
    # Whether a word may end without a word-boundary token, directly into the next word.
    direct_word_transitions: bool = True


class Frame(NamedTuple):
    """One frame's probabilities: blank (with everything the decoder treats as silence), the
    word-boundary token, and the phoneme candidates worth extending with."""

    blank: float
    boundary: float
    tokens: dict[int, float]


class SearchResult(NamedTuple):
    words: list[int]  # lexicon word ids
    log_score: float  # acoustic log-probability + weighted LM + bonuses


def _total(item: tuple[int, Hypothesis]) -> float:
    return float(item[1][0] + item[1][1])


class BeamSearch:
    def __init__(
        self,
        trie: PronunciationTrie,
        language_model: LanguageModel,
        lm_word_ids: Sequence[int],
        options: SearchOptions,
        lookahead: Sequence[float] | None = None,
    ) -> None:
        """`lm_word_ids[w]` is the LM id of lexicon word `w` (the list may grow later);
        `lookahead[w]` an optimistic log-probability of word `w` (None: no look-ahead)."""
        self.trie = trie
        self.lm = language_model
        self.lm_word_ids = lm_word_ids
        self.options = options
        self._lm_memo: dict[tuple[int, int], tuple[float, int]] = {}
        self.walker = TrieWalker(trie, options.lm_weight, lookahead)
        # With a closed vocabulary, per LM state: which trie nodes lead to an allowed word.
        self._closed = language_model if isinstance(language_model, ClosedVocabulary) else None
        self._gates: dict[int, bytes] = {}  # per state key, shared by equal closed states
        self._closed_gates: dict[int, bytes] = {}

    def _gate(self, state_key: int) -> bytes | None:
        """For the LM state in `state_key` (a hypothesis key without its node): per trie node,
        1 where a word the LM allows next ends at or below it (None: every word is allowed)."""
        if self._closed is None:
            return None
        found = self._gates.get(state_key)
        if found is None:
            closed_state = self._closed.closed_state(state_key >> _NODE_BITS)
            found = self._closed_gates.get(closed_state)
            if found is None:
                allowed = self._closed.allowed_words(closed_state)
                lm_ids = np.asarray(self.lm_word_ids, dtype=np.int64)
                scores = np.where(np.isin(lm_ids, list(allowed)), 0.0, -np.inf)
                found = np.isfinite(self.trie.subtree_max(scores)).tobytes()
                # nodes added after construction (`subtree_max` does not see them) stay open
                found += b"\x01" * (self.trie.node_count - self.trie.static_node_count)
                remember(self._closed_gates, closed_state, found)
            remember(self._gates, state_key, found)
        return found

    def words_added(self) -> None:
        """Forget what depends on the trie's shape (after words were added to it)."""
        self.walker.clear()  # new nodes inherit their parent's look-ahead
        self._gates.clear()
        self._closed_gates.clear()

    def clear_lm_memo(self) -> None:
        """Forget memoized LM scores (after the LM changed)."""
        self._lm_memo.clear()

    def _lm_factor(self, state: int, word: int) -> tuple[float, int]:
        """exp(weight * log P(word | state) + bonus) and the next state, memoized."""
        key = (state, word)
        found = self._lm_memo.get(key)
        if found is None:
            log_prob, following = self.lm.score(state, self.lm_word_ids[word])
            factor = math.exp(self.options.lm_weight * log_prob + self.options.word_bonus)
            found = remember(self._lm_memo, key, (factor, following))
        return found

    def _word_ends(self, key: int) -> list[WordEnd]:
        """The words that end at hypothesis `key`'s node, each with the key part of the LM
        state after it and its LM factor (look-ahead divided out)."""
        node = key & _NODE_MASK
        state = key >> _NODE_BITS
        correction = math.exp(-self.walker.potential(node))
        ends = []
        for word in self.trie.words(node):
            factor, following = self._lm_factor(state, word)
            ends.append((word, following << _NODE_BITS, factor * correction))
        return ends

    def run(
        self,
        frames: Sequence[Frame | None],
        floor: float = -math.inf,
        *,
        trace: list[float] | None = None,
        limits: Sequence[float] | None = None,
    ) -> SearchResult:
        """Search `frames`; `None` stands for frames of certain blank (skipped). The search
        gives up (no words, score -inf) once the hypotheses' whole probability mass, an upper
        bound of any final score when the LM and look-ahead factors are at most 1 (a closed
        grammar), is below `floor`, or once its best hypothesis after element `i` scores below
        `limits[i]`. `trace` receives the best hypothesis's score after each element."""
        if len(self.walker.steps) >= self.walker.memo_limit:
            self.walker.clear()
        histories = _Histories()
        word_ends: dict[int, list[WordEnd]] = {}  # memo of _word_ends for this search
        # Totals are rescaled so that the best is 1; hypotheses are ordered best first.
        start = self.lm.initial_state() << _NODE_BITS
        hyps: dict[int, Hypothesis] = {start: [1.0, 0.0, _BOUNDARY, 0, _NO_WORD, 0.0]}
        best = hyps[start]
        log_scale = 0.0
        for index, frame in enumerate(frames):
            if frame is None:
                for hyp in hyps.values():
                    hyp[0] += hyp[1]
                    hyp[1] = 0.0
                if trace is not None:
                    trace.append(log_scale)
                continue
            kept = self._prune(self._advance(hyps, frame, word_ends))
            if kept:  # else nothing fits this frame: keep the hypotheses as they were
                log_scale += math.log(_total(kept[0]))
            if trace is not None:
                trace.append(log_scale)
            if limits is not None and log_scale < limits[index]:
                return SearchResult([], -math.inf)
            if not kept:
                continue
            top = _total(kept[0])
            if floor > -math.inf and log_scale + math.log(sum(map(_total, kept)) / top) < floor:
                return SearchResult([], -math.inf)
            scale = 1.0 / top
            hyps = {}
            for key, entry in kept:
                entry[0] *= scale
                entry[1] *= scale
                if entry[4] != _NO_WORD:
                    entry[3] = histories.extend(entry[3], entry[4])
                    entry[4] = _NO_WORD
                hyps[key] = entry
            best = kept[0][1]
        return self._finish(hyps, best[3], histories, log_scale)

    def _advance(  # noqa: PLR0915 (one hot loop; splitting it costs calls per hypothesis)
        self, hyps: dict[int, Hypothesis], frame: Frame, word_ends: dict[int, list[WordEnd]]
    ) -> dict[int, Hypothesis]:
        """All hypotheses one frame later (unpruned)."""
        blank, boundary, candidates = frame
        finals = self.walker.finals
        is_final = self.walker.is_final
        floor = math.exp(-self.options.beam_threshold)
        steps = self.walker.steps
        step = self.walker.step
        kids = self.walker.kids
        children_of = self.walker.children
        stride = self.trie.stride
        tokens = list(candidates.items())
        # Where each candidate token starts a new word (if words may follow without <wb>).
        starts = [step(ROOT, token) for token, _ in tokens]
        direct = self.options.direct_word_transitions
        new: dict[int, Hypothesis] = {}
        get = new.get
        # Word ends are costly (one entry per homophone); skip those that would fall below the
        # beam anyway, judged against the best entry so far (hypotheses come best first).
        top = 0.0
        gate_of = self._gate
        gates = self._gates if self._closed is not None else None
        for key, (pb, pnb, last, seq, _, _) in hyps.items():
            total = pb + pnb
            node = key & _NODE_MASK
            state = key - node
            gate = None if gates is None else gates.get(state) or gate_of(state)
            # Stay: blank, or the last token again (collapsed). At the root the boundary token
            # changes nothing. Word ends are looked up only when some way out of the word is
            # likely enough.
            if node == ROOT:
                stay_pb, stay_pnb = total * (blank + boundary), 0.0
                final: bool | None = False
            else:
                stay_pb, stay_pnb = total * blank, pnb * candidates.get(last, 0.0)
                final = finals.get(node)
                if final is None:
                    final = is_final(node)
            stay = stay_pb + stay_pnb
            entry = get(key)
            if entry is None:
                new[key] = [stay_pb, stay_pnb, last, seq, _NO_WORD, stay]
            else:
                entry[0] += stay_pb
                entry[1] += stay_pnb
                if stay > entry[5]:
                    entry[3], entry[4], entry[5] = seq, _NO_WORD, stay
            if stay > top:  # noqa: PLR1730 (max() costs a call in the hot loop)
                top = stay
            if not final:
                # Inside a word only its children can follow: fewer than the candidates, mostly.
                children = kids.get(node)
                if children is None:
                    children = children_of(node)
                if len(children) < len(tokens):
                    for token, following, ratio in children:
                        prob = candidates.get(token)
                        if prob is None or (gate is not None and not gate[following]):
                            continue
                        grown = (pb if token == last else total) * prob * ratio
                        entry = get(state + following)
                        if entry is None:
                            new[state + following] = [0.0, grown, token, seq, _NO_WORD, grown]
                        else:
                            entry[1] += grown
                            if grown > entry[5]:
                                entry[3], entry[4], entry[5] = seq, _NO_WORD, grown
                        if grown > top:  # noqa: PLR1730
                            top = grown
                    continue
            node_key = node * stride
            for index, (token, prob) in enumerate(tokens):
                mass = (pb if token == last else total) * prob
                found = steps.get(node_key + token)
                if found is None:
                    found = step(node, token)
                following, ratio = found
                if following != NO_NODE and (gate is None or gate[following]):
                    grown = mass * ratio
                    entry = get(state + following)
                    if entry is None:
                        new[state + following] = [0.0, grown, token, seq, _NO_WORD, grown]
                    else:
                        entry[1] += grown
                        if grown > entry[5]:
                            entry[3], entry[4], entry[5] = seq, _NO_WORD, grown
                    if grown > top:  # noqa: PLR1730
                        top = grown
                if not final or not direct:
                    continue
                first, ratio = starts[index]
                if first == NO_NODE or mass * ratio < top * floor:
                    continue
                ends = word_ends.get(key)
                if ends is None:
                    ends = word_ends[key] = self._word_ends(key)
                for word, after, factor in ends:
                    grown = mass * factor * ratio
                    if grown >= top * floor:
                        if gate is not None:
                            after_gate = gate_of(after)
                            if after_gate is not None and not after_gate[first]:
                                continue
                        entry = get(after + first)
                        if entry is None:
                            new[after + first] = [0.0, grown, token, seq, word, grown]
                        else:
                            entry[1] += grown
                            if grown > entry[5]:
                                entry[3], entry[4], entry[5] = seq, word, grown
            if final and total * boundary >= top * floor:
                ends = word_ends.get(key)
                if ends is None:
                    ends = word_ends[key] = self._word_ends(key)
                for word, after, factor in ends:
                    grown = total * boundary * factor
                    if grown >= top * floor:
                        entry = get(after)
                        if entry is None:
                            new[after] = [0.0, grown, _BOUNDARY, seq, word, grown]
                        else:
                            entry[1] += grown
                            if grown > entry[5]:
                                entry[3], entry[4], entry[5] = seq, word, grown
        return new

    def _prune(self, new: dict[int, Hypothesis]) -> list[tuple[int, Hypothesis]]:
        """The hypotheses within the beam, best first (empty when all have vanished)."""
        best = max(entry[0] + entry[1] for entry in new.values())
        if best <= 0.0:
            return []
        cutoff = best * math.exp(-self.options.beam_threshold)
        kept = [item for item in new.items() if item[1][0] + item[1][1] >= cutoff]
        if len(kept) > self.options.beam:
            return heapq.nlargest(self.options.beam, kept, key=_total)
        kept.sort(key=_total, reverse=True)
        return kept

    def _finish(
        self, hyps: dict[int, Hypothesis], best_seq: int, histories: _Histories, log_scale: float
    ) -> SearchResult:
        """Complete the partial word of each hypothesis and close the sentence; when no
        hypothesis can finish a word, fall back to the words of the best one."""
        finished: dict[int, list[float]] = {}  # history -> [probability, LM state]
        for key, (pb, pnb, _, seq, _, _) in hyps.items():
            node = key & _NODE_MASK
            if node == ROOT:
                ends = [(seq, key, 1.0)]
            else:
                ends = [
                    (histories.extend(seq, word), after, factor)
                    for word, after, factor in self._word_ends(key)
                ]
            for done, after, factor in ends:
                entry = finished.setdefault(done, [0.0, after >> _NODE_BITS])
                entry[0] += (pb + pnb) * factor
        best_score = -math.inf
        for done, (total, state) in finished.items():
            if total <= 0.0:
                continue
            score = math.log(total) + self.options.lm_weight * self.lm.final_score(int(state))
            if score > best_score:
                best_score, best_seq = score, done
        return SearchResult(histories.words(best_seq), best_score + log_scale)


class _Histories:
    """The word histories met during one search, numbered; 0 is the empty history."""

    def __init__(self) -> None:
        self._parent = [-1]
        self._word = [-1]
        self._extended: dict[tuple[int, int], int] = {}

    def extend(self, seq: int, word: int) -> int:
        """The history `seq` followed by `word`."""
        found = self._extended.get((seq, word))
        if found is None:
            found = self._extended[seq, word] = len(self._word)
            self._parent.append(seq)
            self._word.append(word)
        return found

    def words(self, seq: int) -> list[int]:
        words: list[int] = []
        while seq > 0:
            words.append(self._word[seq])
            seq = self._parent[seq]
        words.reverse()
        return words
