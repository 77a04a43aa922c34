"""Partial transcripts become chunks that only append and add up to the final text."""

from __future__ import annotations

from wyoming_local_asr.server.partial_text import PartialText, normalize

# The real model's hypotheses on goforward.raw cut after 0.75, 1.0, ... 2.0 s: early words
# change as later ones are heard.
GOFORWARD_PARTIALS = [
    "to",
    "to four",
    "go farmer",
    "go forward ten",
    "go forward ten me",
    "go forward ten meters",
]


def test_real_partials_concatenate_to_the_final_text() -> None:
    partial = PartialText()
    chunks = [partial.update(hypothesis) for hypothesis in GOFORWARD_PARTIALS]
    assert chunks == ["", "", "", "go", " forward", ""]
    last = partial.finish("go forward ten meters")
    assert last == " ten meters"
    assert "".join([*chunks, last]) == "go forward ten meters"


def test_words_need_two_agreeing_hypotheses() -> None:
    partial = PartialText()
    assert partial.update("turn on the kitchen lights") == ""  # nothing to agree with yet
    assert partial.update("turn off the kitchen lights") == "turn"
    assert partial.update("turn off the kitchen lights") == " off the"
    assert partial.update("turn off the kitchen lights now") == " kitchen"
    assert partial.finish("turn off the kitchen lights now") == " lights now"


def test_a_revised_word_already_sent_stops_the_stream() -> None:
    partial = PartialText()
    partial.update("turn of the lights please")
    assert partial.update("turn of the lights please") == "turn of the"
    assert partial.update("turn on the lights please") == ""  # "of" was sent already
    assert partial.update("turn on the lights please") == ""
    assert partial.finish("turn on the lights please") is None  # the final text diverged
    assert partial.text == "turn of the"


def test_empty_and_spacing() -> None:
    partial = PartialText()
    assert partial.update("") == ""
    assert partial.update("go") == ""
    assert partial.finish("") == ""  # nothing was sent, so nothing diverged
    assert normalize("  go   forward\tten ") == "go forward ten"
