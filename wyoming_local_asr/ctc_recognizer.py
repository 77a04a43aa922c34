"""The recognizer: an ONNX CTC acoustic model followed by a decoder to words.

Phoneme models (the default) decode through a lexicon and word language models
(`decode/decoder.py`); models with character or BPE tokens (sherpa-onnx exports) decode greedily
to text (`decode/text_tokens.py`). Both are a `decode.protocols.Decoder`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .acoustic.runner import OnnxAcousticModel
from .decode.decoder import DecoderOptions, WordDecoder
from .decode.home_decoder import FastPathOptions, HomeAwareDecoder
from .decode.lexicon import caching_pronouncer, g2p_pronouncer
from .decode.lm_files import LEXICON_FILE, load_language_model
from .decode.protocols import Decoder, PhraseBiasing
from .decode.text_tokens import GreedyTextDecoder
from .recognizer import ModelInfo, Transcription
from .vocabulary.grammar import build_grammar, home_phrases
from .vocabulary.home import HomeVocabulary


class CtcRecognizer:
    """Audio to words. Safe for several threads: the acoustic model runs concurrently, the
    decoder (fast, stateful) one utterance at a time."""

    def __init__(self, acoustic_model: OnnxAcousticModel, decoder: Decoder) -> None:
        self.acoustic_model = acoustic_model
        self.decoder = decoder
        self._decoder_lock = threading.Lock()
        card = acoustic_model.card
        self._info = ModelInfo(
            name=card.name,
            version=card.version,
            description=card.description,
            languages=list(card.languages),
            attribution_name=card.attribution_name,
            attribution_url=card.attribution_url,
            license=card.license,
            execution_provider=acoustic_model.providers[0],
        )

    @property
    def info(self) -> ModelInfo:
        return self._info

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        start = time.perf_counter()
        logprobs = self.acoustic_model(audio)
        model_seconds = time.perf_counter() - start

        start = time.perf_counter()
        with self._decoder_lock:
            decoded = self.decoder.decode_utterance(logprobs)
        decode_seconds = time.perf_counter() - start
        timings = {"model": model_seconds, "decode": decode_seconds}
        return Transcription(decoded.text, decoded.phonemes, timings, decoded.score, decoded.source)

    def knows_word(self, word: str) -> bool:
        """Whether `word` is decodable without a new pronunciation (always, for a decoder
        without a lexicon)."""
        decoder = self.decoder
        words = decoder.open if isinstance(decoder, HomeAwareDecoder) else decoder
        return not isinstance(words, WordDecoder) or word in words.lexicon

    def add_phrases(self, phrases: Iterable[str]) -> list[str]:
        """Bias recognition toward `phrases` (entity names, commands) when the decoder can;
        returns the words new to it."""
        if not isinstance(self.decoder, PhraseBiasing):
            return []
        with self._decoder_lock:
            return self.decoder.add_phrases(phrases)


def load_recognizer(
    model_dir: Path,
    *,
    quantized: bool,
    beam: int,
    threads: int,
    device: str,
    home: HomeVocabulary | None = None,
    fast_path: FastPathOptions | None = None,
    pronunciations: Path | None = None,
) -> CtcRecognizer:
    """Load the model in `model_dir` (see `models/README.md` for the layout). With a `home`,
    the decoder knows its names and sentences, and (with `fast_path`) decodes its grammar too;
    G2P pronunciations of its new words are cached in `pronunciations`."""
    acoustic_model = OnnxAcousticModel(
        model_dir, quantized=quantized, device=device, threads=threads
    )
    decoder: Decoder
    if acoustic_model.card.token_type == "phoneme":
        pronounce = caching_pronouncer(pronunciations, g2p_pronouncer) if pronunciations else None
        word_decoder = WordDecoder.load(
            model_dir, load_language_model(model_dir), DecoderOptions(beam=beam), pronounce
        )
        decoder = word_decoder
        if home is not None and not home.empty:
            word_decoder.add_phrases(home_phrases(home))
            if fast_path is not None:
                decoder = HomeAwareDecoder.build(
                    word_decoder,
                    model_dir / LEXICON_FILE,
                    build_grammar(home),
                    pronounce or g2p_pronouncer(),
                    fast_path,
                )
    else:
        decoder = GreedyTextDecoder(acoustic_model.tokens, acoustic_model.blank_id)
    return CtcRecognizer(acoustic_model, decoder)
