"""Bounded memos: a full memo is emptied before it grows past the limit, and emptying one never
changes what the decoder finds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_local_asr.decode import lookahead, memo
from wyoming_local_asr.decode.decoder import WordDecoder
from wyoming_local_asr.decode.lm_files import load_language_model
from wyoming_local_asr.decode.memo import MEMO_LIMIT, remember


def test_a_memo_never_holds_more_than_the_limit() -> None:
    memo: dict[int, int] = {}
    for key in range(MEMO_LIMIT + 10):
        assert remember(memo, key, key * 2) == key * 2
        assert len(memo) <= MEMO_LIMIT
    # The reset came when the limit was reached: only what followed is kept.
    assert memo == {key: key * 2 for key in range(MEMO_LIMIT, MEMO_LIMIT + 10)}


@pytest.mark.slow
def test_decoding_is_the_same_when_memos_are_emptied_all_the_time(
    default_model_dir: Path,
    oracle_logprobs: dict[str, NDArray[np.float32]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def decode_all() -> list[str]:
        decoder = WordDecoder.load(default_model_dir, load_language_model(default_model_dir))
        return [decoder.decode(logprobs) for logprobs in oracle_logprobs.values()] * 2

    unbounded = decode_all()
    assert unbounded[0] == "go forward ten meters"
    monkeypatch.setattr(memo, "MEMO_LIMIT", 3)
    monkeypatch.setattr(lookahead, "MEMO_LIMIT", 3)
    assert decode_all() == unbounded
