import numpy as np

from wyoming_local_asr.decode.greedy import greedy_phonemes, greedy_token_ids
from wyoming_local_asr.decode.phoneme_tokens import TokenTable

TABLE = TokenTable(["h", "i", "w", "<wb>", "<blank>"])


def frames(*best: int) -> np.ndarray:
    logprobs = np.full((len(best), 5), -9.0, dtype=np.float32)
    logprobs[np.arange(len(best)), best] = -0.01
    return logprobs


def test_collapses_repeats_and_drops_blank() -> None:
    assert greedy_token_ids(frames(4, 0, 0, 4, 0, 1, 1, 4), blank_id=4) == [0, 0, 1]


def test_word_boundaries_become_bars() -> None:
    # h h <blank> i <wb> <wb> w i <wb>
    assert greedy_phonemes(frames(0, 0, 4, 1, 3, 3, 2, 1, 3), TABLE) == "h i | w i"


def test_empty_input() -> None:
    assert greedy_phonemes(np.zeros((0, 5), np.float32), TABLE) == ""
