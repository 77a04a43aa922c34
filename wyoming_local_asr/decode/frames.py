"""From a (T, V) log-probability matrix to the frames the beam search reads.

Model columns are folded (summed as probabilities): an alias into its canonical phoneme
("ɡ" into "g"), and everything the lexicon never uses (diacritics such as the stray dental
mark in "d ̪ o", tones, other languages' phonemes) into blank. Frames where blank is nearly
certain are skipped; the others keep only their most likely phonemes as candidates. All of
this is vectorized; only the final per-frame dicts are built in Python.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .beam_search import Frame
from .phoneme_tokens import TokenTable


@dataclass(frozen=True)
class FrameOptions:
    # Phoneme candidates per frame: the `top_k` most likely, if above `min_token_logprob`
    # (the word-boundary token counts only above it too).
    top_k: int = 8
    min_token_logprob: float = -5.0
    # Frames where blank (with the tokens treated as silence) is more likely are skipped.
    blank_skip: float = 0.95
    # Logits are divided by `temperature` and blank gets `blank_bias` first (hama's own
    # greedy decoder uses 0.95 and -0.1; measured no better here).
    temperature: float = 1.0
    blank_bias: float = 0.0


class FrameBuilder:
    def __init__(self, tokens: TokenTable, used: Collection[int], options: FrameOptions) -> None:
        """`used`: the token ids the lexicon uses."""
        self.tokens = tokens
        self.options = options
        blank, boundary = tokens.blank_id, tokens.word_boundary_id
        canonical = [
            index if index in (blank, boundary) else target if target in used else blank
            for index, target in enumerate(tokens.canonical_ids())
        ]
        columns = sorted(set(canonical))
        position = {column: i for i, column in enumerate(columns)}
        self._fold = np.zeros((len(tokens), len(columns)), dtype=np.float32)
        self._fold[np.arange(len(tokens)), [position[c] for c in canonical]] = 1.0
        self._blank = position[blank]
        self._boundary = position[boundary]
        self._phoneme_columns = np.array(
            [i for i, column in enumerate(columns) if column not in (blank, boundary)], np.int64
        )
        self._phoneme_ids = np.asarray(columns, np.int64)[self._phoneme_columns]

    def probabilities(self, logprobs: NDArray[np.float32]) -> NDArray[np.float32]:
        """Folded probabilities (T, columns) after temperature and blank bias."""
        options = self.options
        scores = np.asarray(logprobs, dtype=np.float32)
        if options.temperature != 1.0 or options.blank_bias != 0.0:
            scores = scores / options.temperature
            scores[:, self.tokens.blank_id] += options.blank_bias
            scores = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
        folded: NDArray[np.float32] = np.exp(scores) @ self._fold
        return folded

    def frames(
        self, logprobs: NDArray[np.float32], times: list[int] | None = None
    ) -> list[Frame | None]:
        """The search's view of `logprobs` (T, V); a run of skipped frames becomes one None.
        `times`, when given, receives each element's last frame index."""
        if len(logprobs) == 0 or len(self._phoneme_columns) == 0:
            return []
        probs = self.probabilities(logprobs)
        threshold = float(np.exp(self.options.min_token_logprob))
        phonemes = probs[:, self._phoneme_columns]
        top_k = min(self.options.top_k, phonemes.shape[1])
        best = np.argpartition(-phonemes, top_k - 1, axis=1)[:, :top_k]
        best_probs = np.take_along_axis(phonemes, best, axis=1)
        keep = best_probs >= threshold
        ids = self._phoneme_ids[best]
        blank = probs[:, self._blank].tolist()
        boundary = np.where(probs[:, self._boundary] >= threshold, probs[:, self._boundary], 0.0)
        skip = (probs[:, self._blank] > self.options.blank_skip).tolist()
        frames: list[Frame | None] = []
        rows = zip(ids.tolist(), best_probs.tolist(), keep.tolist(), boundary.tolist(), strict=True)
        for t, (row_ids, values, mask, word_end) in enumerate(rows):
            if skip[t]:
                if not frames or frames[-1] is not None:
                    frames.append(None)
                    if times is not None:
                        times.append(t)
                elif times is not None:
                    times[-1] = t
                continue
            candidates = {i: v for i, v, k in zip(row_ids, values, mask, strict=True) if k}
            frames.append(Frame(blank[t], word_end, candidates))
            if times is not None:
                times.append(t)
        return frames
