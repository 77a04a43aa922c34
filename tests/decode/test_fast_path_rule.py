"""The fast path's acceptance rule: when the closed sentence replaces the open words, and when
a command the open search found is checked against the closed search."""

from __future__ import annotations

import pytest

from wyoming_local_asr.config import DEFAULT_GRAMMAR_RECHECK_BELOW, DEFAULT_GRAMMAR_THRESHOLD
from wyoming_local_asr.decode.home_decoder import FastPathOptions, closed_wins, heard_poorly


def test_open_words_that_are_no_command_lose_within_the_threshold() -> None:
    assert closed_wins(-50.0, -50.2, open_is_command=False, threshold=0.25)
    assert closed_wins(-50.0, -50.25, open_is_command=False, threshold=0.25)
    assert not closed_wins(-50.0, -50.3, open_is_command=False, threshold=0.25)
    assert closed_wins(-50.0, -49.0, open_is_command=False, threshold=0.0)


def test_a_command_is_replaced_only_by_a_strictly_better_sentence() -> None:
    # no head start: the open words are one of the home's sentences already
    assert not closed_wins(-50.0, -50.0, open_is_command=True, threshold=0.25)
    assert not closed_wins(-50.0, -50.1, open_is_command=True, threshold=5.0)
    assert closed_wins(-50.0, -49.9, open_is_command=True, threshold=0.25)


@pytest.mark.parametrize(
    ("acoustic", "frames", "expected"),
    [(-9.0, 100, True), (-7.0, 100, False), (-8.0, 100, False), (-0.1, 0, False)],
)
def test_only_poorly_heard_commands_are_checked(
    acoustic: float, frames: int, expected: bool
) -> None:
    assert heard_poorly(acoustic, frames, -0.08) is expected


def test_the_defaults_are_the_tuned_ones() -> None:
    # chosen on the tuning half of the sample home (docs/benchmarks.md, stop 20)
    options = FastPathOptions()
    assert options.threshold == DEFAULT_GRAMMAR_THRESHOLD == 0.25
    assert options.recheck_below == DEFAULT_GRAMMAR_RECHECK_BELOW == -0.08
