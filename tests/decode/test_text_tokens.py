"""Greedy decoding of character/BPE CTC models (the sherpa-onnx layout)."""

import numpy as np

from wyoming_local_asr.decode.text_tokens import greedy_text, tokens_to_text


def _one_hot(path: list[int], width: int) -> np.ndarray:
    logprobs = np.full((len(path), width), -20.0, dtype=np.float32)
    logprobs[np.arange(len(path)), path] = 0.0
    return logprobs


def test_sentencepiece_pieces_join_into_words() -> None:
    tokens = ["<blk>", "▁turn", "▁on", "▁the", "▁kit", "chen", "<unk>"]
    path = [0, 1, 1, 0, 2, 0, 3, 3, 4, 5, 5, 0, 6]
    assert greedy_text(_one_hot(path, len(tokens)), tokens, blank_id=0) == "turn on the kitchen"


def test_repeated_token_needs_a_blank_between() -> None:
    tokens = ["<blank>", "a", "b", "|"]
    assert greedy_text(_one_hot([1, 1, 0, 1, 3, 2], 4), tokens, blank_id=0) == "aa b"


def test_wav2vec2_bars_and_special_tags() -> None:
    assert tokens_to_text(["<|en|>", "<|NEUTRAL|>", "H", "I", "|", "Y", "O", "U"]) == "hi you"
