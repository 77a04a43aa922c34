"""The recognizer: an ONNX CTC acoustic model followed by a decoder to words.

Phoneme models (the default) decode through a lexicon and word language models
(`decode/decoder.py`); models with character or BPE tokens (sherpa-onnx exports) decode greedily
to text (`decode/text_tokens.py`). Both are a `decode.protocols.Decoder`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .acoustic.batching import MicroBatcher
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

_LOGGER = logging.getLogger(__name__)


class CtcRecognizer:
    """Audio to words. Safe for several threads: the acoustic model runs concurrently, the
    decoder (fast, stateful) one utterance at a time."""

    def __init__(
        self,
        acoustic_model: OnnxAcousticModel,
        decoder: Decoder,
        batcher: MicroBatcher | None = None,
    ) -> None:
        self.acoustic_model = acoustic_model
        self.decoder = decoder
        # With micro-batching, the acoustic pass of concurrent utterances is shared.
        self._acoustic: Callable[[NDArray[np.float32]], NDArray[np.float32]] = (
            batcher or acoustic_model
        )
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
        logprobs = self._acoustic(audio)
        return self.decode(logprobs, time.perf_counter() - start)

    def transcribe_batch(self, audios: Sequence[NDArray[np.float32]]) -> list[Transcription]:
        """`transcribe` for several utterances: one acoustic pass (`OnnxAcousticModel.batch`),
        then each decoded in turn. Each timing's "model" is the batch's time shared out."""
        start = time.perf_counter()
        batch = self.acoustic_model.batch(audios)
        share = (time.perf_counter() - start) / max(1, len(audios))
        return [self.decode(logprobs, share) for logprobs in batch]

    def decode(self, logprobs: NDArray[np.float32], model_seconds: float) -> Transcription:
        """Words from the acoustic model's log-probabilities (`model_seconds`: their cost)."""
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
    batching: tuple[float, int] | None = None,
) -> CtcRecognizer:
    """Load the model in `model_dir` (see `models/README.md` for the layout). With a `home`,
    the decoder knows its names and sentences, and (with `fast_path`) decodes its grammar too;
    G2P pronunciations of its new words are cached in `pronunciations`. `batching` (window in
    seconds, most per batch) shares the acoustic pass of concurrent utterances when the model
    can batch exactly (`OnnxAcousticModel.pads_exactly`)."""
    acoustic_model = OnnxAcousticModel(
        model_dir, quantized=quantized, device=device, threads=threads
    )
    batcher = None
    if batching is not None and batching[1] > 1:
        if acoustic_model.pads_exactly:
            batcher = MicroBatcher(acoustic_model.batch, *batching)
        else:
            _LOGGER.warning(
                "micro-batching is off: %s cannot batch exactly (it needs an fp32 graph "
                "that masks padding; use --precision fp32)",
                acoustic_model.model_path.name,
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
    return CtcRecognizer(acoustic_model, decoder, batcher)
