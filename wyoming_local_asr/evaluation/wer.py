"""Edit distance with alignment: word error rate, character error rate, sentence accuracy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Edit(Enum):
    EQUAL = "equal"
    SUBSTITUTE = "substitute"
    DELETE = "delete"  # a reference token the hypothesis misses
    INSERT = "insert"  # a hypothesis token with no reference token


@dataclass(frozen=True)
class Step:
    """One column of an alignment; `ref` is None for insertions, `hyp` None for deletions."""

    edit: Edit
    ref: str | None
    hyp: str | None


@dataclass(frozen=True)
class ErrorCounts:
    """Edit operations between a reference and a hypothesis, summable over a corpus."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_length: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Errors per reference token; 0 for an empty reference matched by an empty hypothesis."""
        if self.reference_length == 0:
            return float(self.errors > 0)
        return self.errors / self.reference_length

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_length + other.reference_length,
        )


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[Step]:
    """A minimum-edit alignment of two token sequences (Levenshtein, unit costs).

    Among equally cheap alignments the one with the most matching tokens wins, which keeps
    the alignment readable ("a [-b] c" rather than two substitutions).
    """
    rows, cols = len(ref) + 1, len(hyp) + 1
    # Each cell holds (edits, -matches), compared as a tuple.
    cost = [[(0, 0)] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = (i, 0)
    for j in range(cols):
        cost[0][j] = (j, 0)
    for i in range(1, rows):
        above, here = cost[i - 1], cost[i]
        for j in range(1, cols):
            here[j] = min(
                _diagonal(above[j - 1], ref[i - 1], hyp[j - 1]),
                _plus_one(above[j]),
                _plus_one(here[j - 1]),
            )

    steps: list[Step] = []
    i, j = len(ref), len(hyp)
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i][j] == _diagonal(cost[i - 1][j - 1], ref[i - 1], hyp[j - 1]):
            edit = Edit.EQUAL if ref[i - 1] == hyp[j - 1] else Edit.SUBSTITUTE
            steps.append(Step(edit, ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == _plus_one(cost[i - 1][j]):
            steps.append(Step(Edit.DELETE, ref[i - 1], None))
            i -= 1
        else:
            steps.append(Step(Edit.INSERT, None, hyp[j - 1]))
            j -= 1
    steps.reverse()
    return steps


def _diagonal(cell: tuple[int, int], ref: str, hyp: str) -> tuple[int, int]:
    return (cell[0], cell[1] - 1) if ref == hyp else (cell[0] + 1, cell[1])


def _plus_one(cell: tuple[int, int]) -> tuple[int, int]:
    return (cell[0] + 1, cell[1])


def count_errors(ref: Sequence[str], hyp: Sequence[str]) -> ErrorCounts:
    """Substitutions, deletions and insertions of the alignment of `hyp` to `ref`."""
    steps = align(ref, hyp)
    return ErrorCounts(
        substitutions=sum(step.edit is Edit.SUBSTITUTE for step in steps),
        deletions=sum(step.edit is Edit.DELETE for step in steps),
        insertions=sum(step.edit is Edit.INSERT for step in steps),
        reference_length=len(ref),
    )


def word_errors(ref: str, hyp: str) -> ErrorCounts:
    """Word-level errors of two already normalized texts."""
    return count_errors(ref.split(), hyp.split())


def char_errors(ref: str, hyp: str) -> ErrorCounts:
    """Character-level errors of two already normalized texts (spaces count as characters)."""
    return count_errors(list(" ".join(ref.split())), list(" ".join(hyp.split())))


def word_error_rate(ref: str, hyp: str) -> float:
    return word_errors(ref, hyp).rate


def char_error_rate(ref: str, hyp: str) -> float:
    return char_errors(ref, hyp).rate


def sentence_accuracy(pairs: Sequence[tuple[str, str]]) -> float:
    """Fraction of (reference, hypothesis) pairs whose words match exactly."""
    if not pairs:
        return 0.0
    return sum(ref.split() == hyp.split() for ref, hyp in pairs) / len(pairs)


def render_alignment(steps: Sequence[Step]) -> str:
    """A one-line diff: `go [forward->four] ten [-meters] [+now]`."""
    parts = []
    for step in steps:
        if step.edit is Edit.EQUAL:
            parts.append(f"{step.ref}")
        elif step.edit is Edit.SUBSTITUTE:
            parts.append(f"[{step.ref}->{step.hyp}]")
        elif step.edit is Edit.DELETE:
            parts.append(f"[-{step.ref}]")
        else:
            parts.append(f"[+{step.hyp}]")
    return " ".join(parts)
