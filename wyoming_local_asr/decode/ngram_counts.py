"""Trigram counts of sentences whose placeholders (`<name>`, `<area>`) stand for phrase lists.

Each filler of a placeholder gets an equal share of the sentence's count (fractional counts).
Only the n-grams that touch a placeholder depend on the filler, so sentences are counted once with
the placeholders in place and the few n-grams around each placeholder are expanded per filler.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

START = "<s>"
END = "</s>"
_WINDOW = 2  # words each side of a placeholder that a trigram can reach
_MAX_COMBINATIONS = 64  # filler combinations counted for a sentence with nearby placeholders

Context = tuple[str, ...]


class NgramCounts:
    """Fractional counts: `table()[context][word]` for contexts of length 0, 1 and 2.

    Sentences only collect n-grams (`add_sentence`); `table()` adds them up, expanding each
    distinct placeholder window once per filler.
    """

    def __init__(self, fillers: Mapping[str, Sequence[Sequence[str]]]) -> None:
        self.fillers = fillers  # shared with the owner, who may add fillers between `table()`s
        self._counts: Counter[tuple[str, ...]] = Counter()  # n-grams of weight 1
        self._weighted: dict[tuple[str, ...], float] = defaultdict(float)
        # (left words, placeholder, right words) -> weight
        self._windows: dict[tuple[Context, str, Context], float] = defaultdict(float)

    def add_sentence(self, words: Sequence[str], weight: float = 1.0) -> None:
        tokens = [START, *words, END]
        slots = [index for index, token in enumerate(tokens) if token in self.fillers]
        if any(b - a <= 2 * _WINDOW for a, b in itertools.pairwise(slots)):
            self._add_combinations(tokens, slots, weight)
            return
        grams = _ngrams(tokens)
        if slots:
            grams = [gram for gram in grams if not any(t in self.fillers for t in gram)]
        self._add(grams, weight)
        for slot in slots:
            left = tuple(tokens[max(0, slot - _WINDOW) : slot])
            right = tuple(tokens[slot + 1 : slot + 1 + _WINDOW])
            self._windows[(left, tokens[slot], right)] += weight

    def _add(self, grams: Iterable[tuple[str, ...]], weight: float) -> None:
        if weight == 1.0:
            self._counts.update(grams)
        else:
            for gram in grams:
                self._weighted[gram] += weight

    def _add_combinations(self, tokens: Sequence[str], slots: Sequence[int], weight: float) -> None:
        choices = [self.fillers[tokens[slot]] or [[]] for slot in slots]
        combinations = list(itertools.islice(_spread_product(choices), _MAX_COMBINATIONS))
        for combination in combinations:
            expanded: list[str] = []
            previous = 0
            for slot, filler in zip(slots, combination, strict=True):
                expanded.extend(tokens[previous:slot])
                expanded.extend(filler)
                previous = slot + 1
            expanded.extend(tokens[previous:])
            self._add(_ngrams(expanded), weight / len(combinations))

    def _expand_windows(self, counts: dict[tuple[str, ...], float]) -> None:
        """Add the n-grams that touch a filler, for every filler of every placeholder window.

        The n-grams inside a filler do not depend on the window; those across its left edge
        depend only on the two words before it, those across its right edge on the two after,
        and the trigram around a one-word filler on one word each side. So windows are summed
        by side first, and each filler is combined with the distinct sides only.
        """
        totals: dict[str, float] = defaultdict(float)
        lefts: dict[str, dict[Context, float]] = defaultdict(lambda: defaultdict(float))
        rights: dict[str, dict[Context, float]] = defaultdict(lambda: defaultdict(float))
        spans: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
        for (left, placeholder, right), weight in self._windows.items():
            totals[placeholder] += weight
            lefts[placeholder][left] += weight
            rights[placeholder][right] += weight
            spans[placeholder][(left[-1], right[0])] += weight
        for placeholder, total in totals.items():
            options = self.fillers[placeholder]
            for filler in options:
                share = 1.0 / len(options)
                for gram in _inner_grams(filler):
                    counts[gram] += total * share
                for left, weight in lefts[placeholder].items():
                    for gram in _left_grams(left, filler):
                        counts[gram] += weight * share
                for right, weight in rights[placeholder].items():
                    for gram in _right_grams(filler, right):
                        counts[gram] += weight * share
                if len(filler) == 1:
                    for (before, after), weight in spans[placeholder].items():
                        counts[(before, filler[0], after)] += weight * share

    def table(self) -> dict[Context, dict[str, float]]:
        counts: dict[tuple[str, ...], float] = defaultdict(float, self._counts)
        for gram, weight in self._weighted.items():
            counts[gram] += weight
        self._expand_windows(counts)
        table: dict[Context, dict[str, float]] = defaultdict(dict)
        for gram, count in counts.items():
            row = table[gram[:-1]]
            row[gram[-1]] = row.get(gram[-1], 0.0) + count
        return dict(table)


def _inner_grams(filler: Sequence[str]) -> list[tuple[str, ...]]:
    following = filler[1:]
    return [
        *((word,) for word in filler),
        *zip(filler, following, strict=False),
        *zip(filler, following, filler[2:], strict=False),
    ]


def _left_grams(left: Context, filler: Sequence[str]) -> list[tuple[str, ...]]:
    """N-grams across the left edge of `filler`, after the words `left` (one or two)."""
    grams: list[tuple[str, ...]] = [(left[-1], filler[0])]
    if len(left) == 2:
        grams.append((left[0], left[1], filler[0]))
    if len(filler) >= 2:
        grams.append((left[-1], filler[0], filler[1]))
    return grams


def _right_grams(filler: Sequence[str], right: Context) -> list[tuple[str, ...]]:
    """N-grams across the right edge of `filler`, before the words `right` (one or two)."""
    grams: list[tuple[str, ...]] = [(filler[-1], right[0])]
    if len(right) == 2:
        grams.append((filler[-1], right[0], right[1]))
    if len(filler) >= 2:
        grams.append((filler[-2], filler[-1], right[0]))
    return grams


def _ngrams(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    """Unigrams, bigrams and trigrams predicting every token after the first (`<s>`)."""
    following = tokens[1:]
    return [
        *((token,) for token in following),
        *zip(tokens, following, strict=False),
        *zip(tokens, following, tokens[2:], strict=False),
    ]


def _spread_product(
    choices: Sequence[Sequence[Sequence[str]]],
) -> Iterator[tuple[Sequence[str], ...]]:
    """Distinct combinations, ordered so that any prefix mixes the options of every slot."""
    largest = max(len(options) for options in choices)
    seen: set[tuple[int, ...]] = set()
    for shift in range(largest):
        for step in range(largest):
            indices = tuple(
                (step + shift * slot) % len(options) for slot, options in enumerate(choices)
            )
            if indices not in seen:
                seen.add(indices)
                yield tuple(options[i] for options, i in zip(choices, indices, strict=True))


def type_counts(table: Mapping[Context, Mapping[str, float]]) -> dict[Context, float]:
    """Witten-Bell's number of word types after each context, fractional counts capped at 1."""
    return {context: sum(min(1.0, c) for c in row.values()) for context, row in table.items()}


def totals(table: Mapping[Context, Mapping[str, float]]) -> dict[Context, float]:
    return {context: sum(row.values()) for context, row in table.items()}
