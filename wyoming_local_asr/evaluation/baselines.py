"""Baseline recognizers to compare against: pocketsphinx 5.1.1 with its default en-us model."""

from __future__ import annotations

import threading
import time

import numpy as np
from numpy.typing import NDArray

from ..recognizer import ModelInfo, Transcription

POCKETSPHINX_INFO = ModelInfo(
    name="pocketsphinx-en-us",
    version="5.1.1",
    description="CMU pocketsphinx with its default en-us acoustic model, dictionary and trigram LM",
    languages=["en"],
    attribution_name="CMU Sphinx",
    attribution_url="https://github.com/cmusphinx/pocketsphinx",
    license="BSD-2-Clause",
)


class PocketsphinxRecognizer:
    """pocketsphinx's default US English recognizer behind the `Recognizer` protocol.

    One decoder, guarded by a lock (pocketsphinx decoders are not thread-safe). Its running
    cepstral mean is reset before every utterance, so that each result depends on that
    utterance alone (as for a server's independent requests), not on the order of a corpus.
    """

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(loglevel="FATAL")
        self._initial_cmn = self._decoder.get_cmn()
        self._lock = threading.Lock()

    @property
    def info(self) -> ModelInfo:
        return POCKETSPHINX_INFO

    def transcribe(self, audio: NDArray[np.float32]) -> Transcription:
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        with self._lock:
            start = time.perf_counter()
            self._decoder.set_cmn(self._initial_cmn)
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, full_utt=True)
            self._decoder.end_utt()
            hypothesis = self._decoder.hyp()
            elapsed = time.perf_counter() - start
        text = hypothesis.hypstr if hypothesis is not None else ""
        return Transcription(text=text, timings={"decode": elapsed})
