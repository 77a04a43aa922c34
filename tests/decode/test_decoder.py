"""WordDecoder end to end: real log-probabilities of real recordings, and constructed ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from decode_helpers import BigramLM, peaky
from numpy.typing import NDArray

from wyoming_local_asr.decode.decoder import DecoderOptions, WordDecoder
from wyoming_local_asr.decode.lexicon import Lexicon, g2p_pronouncer
from wyoming_local_asr.decode.phoneme_tokens import TokenTable

# Words of the two clips and words that sound like them or like parts of them.
VOCABULARY = [
    "go",
    "goes",
    "ago",
    "forward",
    "forwards",
    "foreword",
    "for",
    "four",
    "fore",
    "ward",
    "word",
    "war",
    "award",
    "ten",
    "tan",
    "tin",
    "then",
    "than",
    "meters",
    "meter",
    "metres",
    "meet",
    "me",
    "eaters",
    "matters",
    "the",
    "to",
    "two",
    "too",
    "a",
    "ate",
    "eight",
    "nine",
    "nein",
    "night",
    "three",
    "tree",
    "free",
    "thee",
    "zero",
    "zeros",
    "hero",
    "fourth",
    "forth",
    "sea",
    "see",
    "and",
    "in",
]
# Text for the LM that never says the clips' sentences: the acoustics must decide.
LM_TEXT = [
    "go to the sea",
    "ten men and a meter",
    "the word forward",
    "four and two and nine",
    "three to zero",
    "meters to go",
    "a tree in the sea",
    "ten ate eight",
]


@pytest.fixture(scope="module")
def g2p_lexicon(hama_table: TokenTable) -> Lexicon:
    pytest.importorskip("hama")
    lexicon = Lexicon(hama_table)
    lexicon.add_words(VOCABULARY, pronouncer=g2p_pronouncer())
    return lexicon


def test_goforward_and_digits_from_the_reference_model(
    hama_table: TokenTable, g2p_lexicon: Lexicon, oracle_logprobs: dict[str, NDArray[np.float32]]
) -> None:
    decoder = WordDecoder(hama_table, g2p_lexicon, BigramLM(LM_TEXT))
    assert decoder.decode(oracle_logprobs["goforward.raw"]) == "go forward ten meters"
    assert decoder.decode(oracle_logprobs["tidigits/dhd.2934z.raw"]) == "two nine three four zero"


def test_greedy_phonemes_of_goforward(
    hama_table: TokenTable, g2p_lexicon: Lexicon, oracle_logprobs: dict[str, NDArray[np.float32]]
) -> None:
    decoder = WordDecoder(hama_table, g2p_lexicon, BigramLM(LM_TEXT))
    assert (
        decoder.phonemes(oracle_logprobs["goforward.raw"]) == "ɡ o | f ɔ ɹ w ɝ | t ɛ n | m i t ɝ z"
    )


def test_settings_that_change_the_search_keep_clear_speech(
    hama_table: TokenTable, g2p_lexicon: Lexicon, oracle_logprobs: dict[str, NDArray[np.float32]]
) -> None:
    logprobs = oracle_logprobs["goforward.raw"]
    for options in (
        DecoderOptions(beam=8, lookahead=False),
        DecoderOptions(beam=256, beam_threshold=14.0, blank_skip=0.999, min_token_logprob=-9),
        DecoderOptions(temperature=0.95, blank_bias=-0.1),
    ):
        decoder = WordDecoder(hama_table, g2p_lexicon, BigramLM(LM_TEXT), options)
        assert decoder.decode(logprobs) == "go forward ten meters"


def test_full_lexicon_and_language_model_of_the_default_model(
    default_model_dir: Path, oracle_logprobs: dict[str, NDArray[np.float32]]
) -> None:
    build_data = pytest.importorskip("wyoming_local_asr.decode.lm_files")
    if not build_data.decoder_files_present(default_model_dir):
        pytest.skip("the default model has no lexicon and LM yet")
    decoder = WordDecoder.load(default_model_dir, build_data.load_language_model(default_model_dir))
    assert len(decoder.lexicon) > 50_000
    assert decoder.decode(oracle_logprobs["goforward.raw"]) == "go forward ten meters"
    assert decoder.decode(oracle_logprobs["tidigits/dhd.2934z.raw"]) == "two nine three four zero"


def test_stray_diacritics_and_ipa_g_are_tolerated(hama_table: TokenTable) -> None:
    # hama's G2P writes "do" as "d ̪ o" and "go" as "ɡ o"; the model emits either spelling.
    lexicon = Lexicon.from_lines(["do\td ̪ o", "go\tg o", "dog\td ɔ ɡ"], hama_table)
    decoder = WordDecoder(hama_table, lexicon, BigramLM(["do go", "dog"]))
    frames = ["d", "̪", "o", "<wb>", "_", "ɡ", "_", "o", "_"]
    assert decoder.decode(peaky(hama_table, frames)) == "do go"
    frames = ["d", "_", "o", "_", "<wb>", "g", "o", "_"]
    assert decoder.decode(peaky(hama_table, frames)) == "do go"


def test_a_search_keeps_pace_frame_by_frame_through_skipped_blanks(
    hama_table: TokenTable,
) -> None:
    """`pace` has one score per frame of the audio, also where a run of blank frames was
    skipped as one; a second search leashed to it with room to spare finds the same words."""
    lexicon = Lexicon.from_lines(["do\td o", "go\tg o"], hama_table)
    decoder = WordDecoder(hama_table, lexicon, BigramLM(["do go"]))
    logprobs = peaky(hama_table, ["d", "o", "_", "_", "_", "<wb>", "g", "_", "_", "o", "_"])
    pace: list[float] = []
    found = decoder.search(logprobs, pace=pace)
    assert len(pace) == len(logprobs)
    assert pace[2] == pace[3] == pace[4]  # the skipped run keeps the score it reached
    again = decoder.search(logprobs, leash=(pace, 1.0))
    assert again.words == found.words and again.log_score == pytest.approx(found.log_score)


def test_words_added_at_run_time(hama_table: TokenTable) -> None:
    lexicon = Lexicon.from_lines(["turn\tt ɝ n", "on\tɔ n", "the\tð ə"], hama_table)
    decoder = WordDecoder(hama_table, lexicon, BigramLM(["turn on the"]))
    spoken = ["t", "ɝ", "n", "<wb>", "ɔ", "n", "<wb>", "ð", "ə", "<wb>", "z", "ɪ", "ɡ", "b", "i"]
    frames = peaky(hama_table, [p for token in spoken for p in (token, "_")])
    assert "zigbee" not in decoder.decode(frames)
    assert decoder.add_words(["zigbee"], {"zigbee": [["z", "ɪ", "g", "b", "i"]]}) == ["zigbee"]
    assert decoder.decode(frames) == "turn on the zigbee"


def test_phrases_added_at_run_time_through_g2p(hama_table: TokenTable) -> None:
    pytest.importorskip("hama")
    lexicon = Lexicon.from_lines(["turn\tt ɝ n", "on\tɔ n", "the\tð ə"], hama_table)
    decoder = WordDecoder(hama_table, lexicon, BigramLM(["turn on the"]))
    assert decoder.add_phrases(["Zorblax Lamp"]) == ["zorblax", "lamp"]
    spoken = ["t ɝ n", "ɔ n", "ð ə", *g2p_pronouncer()(["zorblax", "lamp"])]
    tokens = [t for word in spoken for t in [*(word.split() if isinstance(word, str) else word)]]
    frames = peaky(hama_table, [p for token in tokens for p in (token, "_")])
    assert decoder.decode(frames) == "turn on the zorblax lamp"


def test_silence_and_empty_input_give_no_words(hama_table: TokenTable) -> None:
    lexicon = Lexicon.from_lines(["go\tg o"], hama_table)
    decoder = WordDecoder(hama_table, lexicon, BigramLM(["go"]))
    assert decoder.decode(np.zeros((0, len(hama_table)), np.float32)) == ""
    assert decoder.decode(peaky(hama_table, ["_"] * 20)) == ""
    assert decoder.decode(peaky(hama_table, ["_", "g", "o", "_"])) == "go"
