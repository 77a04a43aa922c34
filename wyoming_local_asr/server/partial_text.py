"""Streaming partial transcripts as `transcript-chunk` texts that only ever append.

A recognizer run on the audio heard so far may still change its words: the last one may be
cut in the middle, and earlier ones change when the language model hears what follows ("to
four" becomes "go forward ten" once "ten" is heard). So a word is sent only when two partial
hypotheses in a row agree on it, it is not among the newest hypothesis' last `HOLD_BACK`
words, and it extends what was sent already. Concatenating every chunk gives the text sent so
far; `finish` adds the rest of the final text. If the final text no longer starts with the
words sent (the decoder revised a word already sent), nothing more can be appended and
`finish` says so.
"""

from __future__ import annotations

# Words at the end of a partial hypothesis that are never sent: the language model revises
# them most (measured on real recordings: one word back is not enough).
HOLD_BACK = 2


def normalize(text: str) -> str:
    """Single spaces between words, none at the ends: the form every chunk is cut from."""
    return " ".join(text.split())


class PartialText:
    """The words already sent to one streaming client for one utterance."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._previous: list[str] = []

    @property
    def text(self) -> str:
        return " ".join(self.sent)

    def update(self, hypothesis: str) -> str:
        """The chunk to send for a partial hypothesis ("" when nothing new is stable)."""
        words = hypothesis.split()
        stable = _common_prefix(self._previous, words[: max(0, len(words) - HOLD_BACK)])
        self._previous = words
        if len(stable) <= len(self.sent) or stable[: len(self.sent)] != self.sent:
            return ""
        return self._append(stable[len(self.sent) :])

    def finish(self, final_text: str) -> str | None:
        """The last chunk that completes `final_text` ("" if complete); None if it diverged."""
        words = final_text.split()
        if words[: len(self.sent)] != self.sent:
            return None
        return self._append(words[len(self.sent) :])

    def _append(self, words: list[str]) -> str:
        if not words:
            return ""
        chunk = (" " if self.sent else "") + " ".join(words)
        self.sent.extend(words)
        return chunk


def _common_prefix(first: list[str], second: list[str]) -> list[str]:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return first[:length]
