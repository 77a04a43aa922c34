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
from .decode.lm_files import load_language_model
from .decode.protocols import Decoder, PhraseBiasing
from .decode.text_tokens import GreedyTextDecoder
from .recognizer import ModelInfo, Transcription


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
        return Transcription(decoded.text, decoded.phonemes, timings, decoded.score)

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
) -> CtcRecognizer:
    """Load the model in `model_dir` (see `models/README.md` for the layout)."""
    acoustic_model = OnnxAcousticModel(
        model_dir, quantized=quantized, device=device, threads=threads
    )
    decoder: Decoder
    if acoustic_model.card.token_type == "phoneme":
        decoder = WordDecoder.load(
            model_dir, load_language_model(model_dir), DecoderOptions(beam=beam)
        )
    else:
        decoder = GreedyTextDecoder(acoustic_model.tokens, acoustic_model.blank_id)
    return CtcRecognizer(acoustic_model, decoder)
