"""Run a CTC acoustic model dir (ours or a sherpa-onnx-layout export) with onnxruntime."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from ..recognizer import SAMPLE_RATE
from .card import ModelCard, check_file, load_card
from .chunking import ChunkPolicy, plan_chunks
from .errors import ModelError
from .frontend import FbankOptions, fbank
from .paths import CARD_JSON, FP32_FILE, INT8_FILE, TOKENS_FILE
from .providers import CPU, select_providers
from .token_file import read_tokens

_LOGGER = logging.getLogger(__name__)
# Waveform graphs reflect-pad by up to 200 samples; shorter input is zero-padded to this.
_MIN_WAVEFORM_SAMPLES = 480
# A waveform row of a padded batch is followed by this much of its own reflection, as the graph
# pads it alone (`build/hama_graph.py`, PAD).
_WAVEFORM_REFLECT = 200
_INT_TYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}


def _log_softmax(x: NDArray[np.float32]) -> NDArray[np.float32]:
    shifted = x - x.max(axis=-1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))).astype(np.float32)


def _pick_model_file(model_dir: Path, quantized: bool) -> Path:
    preferred, other = (INT8_FILE, FP32_FILE) if quantized else (FP32_FILE, INT8_FILE)
    if (model_dir / preferred).is_file():
        return model_dir / preferred
    if (model_dir / other).is_file():
        _LOGGER.warning("%s has no %s; using %s", model_dir, preferred, other)
        return model_dir / other
    raise ModelError(f"{model_dir} holds neither {INT8_FILE} nor {FP32_FILE}")


def _open_session(path: Path, providers: list[str], threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # 0 lets onnxruntime pick (one thread per physical core).
    options.intra_op_num_threads = max(0, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except Exception as err:  # onnxruntime raises several private exception types
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelError(f"cannot load {path}: {first_line}") from err


def _fbank_options(card: ModelCard) -> FbankOptions:
    try:
        return FbankOptions(**card.fbank)
    except TypeError as err:
        raise ModelError(f"model card has unknown fbank options: {err}") from err


class OnnxAcousticModel:
    """Audio (float32, 16 kHz mono) in, per-frame log-probabilities [frames, tokens] out.

    The session is created once; `__call__` keeps no state, so one instance can serve several
    threads at once (onnxruntime sessions are thread-safe). `batch` and `forward_batch` run
    several utterances in one onnxruntime call.
    """

    def __init__(
        self,
        model_dir: Path,
        quantized: bool = True,
        device: str = "auto",
        threads: int = 1,
        *,
        chunking: ChunkPolicy | None = None,
        verify_checksum: bool = True,
    ) -> None:
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise ModelError(f"model directory {self.model_dir} does not exist")
        self.card: ModelCard = load_card(self.model_dir / CARD_JSON)
        self.tokens: list[str] = read_tokens(self.model_dir / TOKENS_FILE)
        if self.card.blank not in self.tokens:
            raise ModelError(f"blank token {self.card.blank!r} is not in {TOKENS_FILE}")
        self.blank_id: int = self.tokens.index(self.card.blank)
        self.model_path = _pick_model_file(self.model_dir, quantized)
        if verify_checksum:
            check_file(self.model_dir, self.card, self.model_path.name)
        self.providers = select_providers(device, ort.get_available_providers())
        self.session = _open_session(self.model_path, self.providers, threads)
        _LOGGER.info("%s (%s) runs on %s", self.card.name, self.model_path.name, self.providers[0])
        if self.model_path.name == INT8_FILE and self.providers[0] != CPU:
            _LOGGER.info("int8 graphs run their quantized MatMuls on the CPU; on a GPU prefer fp32")
        self.chunking = chunking or ChunkPolicy()
        self.frame_samples = max(1, round(self.card.frame_shift_ms * SAMPLE_RATE / 1000))
        self._fbank = _fbank_options(self.card) if self.card.frontend == "fbank80" else None
        self._bind_io()

    def _bind_io(self) -> None:
        inputs = self.session.get_inputs()
        outputs = self.session.get_outputs()
        if not 1 <= len(inputs) <= 2 or not 1 <= len(outputs) <= 2:
            raise ModelError(
                f"{self.model_path.name}: expected (signal[, lengths]) -> (logprobs[, lengths]), "
                f"got {len(inputs)} inputs and {len(outputs)} outputs"
            )
        self._signal_name = inputs[0].name
        self._lengths_name = inputs[1].name if len(inputs) == 2 else None
        self._lengths_type: Any = (
            _INT_TYPES.get(inputs[1].type, np.int64) if len(inputs) == 2 else None
        )
        self._output_names = [o.name for o in outputs]
        width = outputs[0].shape[-1] if outputs[0].shape else None
        if isinstance(width, int) and width != len(self.tokens):
            raise ModelError(
                f"{self.model_path.name} outputs {width} classes but {TOKENS_FILE} has "
                f"{len(self.tokens)} tokens"
            )

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def __call__(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.batch([audio])[0]

    def batch(self, audios: Sequence[NDArray[np.float32]]) -> list[NDArray[np.float32]]:
        """`__call__` for several utterances: every chunk of each (long audio is cut as
        `chunking.py` says) goes through `forward_batch` together."""
        samples = [np.asarray(audio, dtype=np.float32).reshape(-1) for audio in audios]
        plans = [plan_chunks(s, self.frame_samples, self.chunking) for s in samples]
        pieces = iter(
            self.forward_batch(
                [s[p.start : p.stop] for s, ps in zip(samples, plans, strict=True) for p in ps]
            )
        )
        results = []
        for utterance_plans in plans:
            kept = [next(pieces)[p.keep_from : p.keep_to] for p in utterance_plans]
            results.append(kept[0] if len(kept) == 1 else np.concatenate(kept, axis=0))
        return results

    def forward(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        """One pass over the whole audio (no chunking)."""
        return self.forward_batch([audio])[0]

    def forward_batch(self, waveforms: Sequence[NDArray[np.float32]]) -> list[NDArray[np.float32]]:
        """One pass over each audio (no chunking), each output cut to its own frames: padded to
        the longest and run at once when that gives what each gives alone (`pads_exactly`),
        one by one otherwise."""
        signals = [self._signal(np.asarray(w, dtype=np.float32).reshape(-1)) for w in waveforms]
        present = [signal for signal in signals if signal is not None]
        if len(present) > 1 and self.pads_exactly:
            outputs = iter(self._run(present))
        else:
            outputs = iter([self._run([signal])[0] for signal in present])
        empty = np.zeros((0, self.vocab_size), dtype=np.float32)
        return [empty if signal is None else next(outputs) for signal in signals]

    @property
    def pads_exactly(self) -> bool:
        """Whether a row of a padded batch gives what it gives alone: the graph masks padding by
        its lengths (the card's `masks_padding`; without masks attention hears the padding:
        4 of 12 real clips changed words) and runs in float (an int8 graph quantizes each
        activation tensor with one range for the whole batch: 1 of 12 real clips and 1 of 212
        commands changed words; `evaluation/batch_equivalence.py`)."""
        return (
            self.card.masks_padding
            and self.model_path.name != INT8_FILE
            and self._lengths_name is not None
            and len(self._output_names) == 2
        )

    def _run(self, signals: list[tuple[NDArray[np.float32], int]]) -> list[NDArray[np.float32]]:
        """One onnxruntime run over `signals` (one row each, padded to the longest)."""
        lengths = [length for _, length in signals]
        feeds: dict[str, NDArray[Any]] = {self._signal_name: self._pad(signals)}
        if self._lengths_name is not None:
            feeds[self._lengths_name] = np.array(lengths, dtype=self._lengths_type)
        try:
            results = self.session.run(self._output_names, feeds)
        except Exception as err:
            raise ModelError(f"{self.model_path.name} failed to run: {str(err)[:200]}") from err
        batch = np.asarray(results[0], dtype=np.float32)
        if batch.shape[-1] != self.vocab_size:
            raise ModelError(
                f"{self.model_path.name} outputs {batch.shape[-1]} classes but "
                f"{TOKENS_FILE} has {self.vocab_size} tokens"
            )
        frames = (
            [int(n) for n in np.asarray(results[1]).reshape(-1)]
            if len(results) == 2
            else [batch.shape[1]] * len(signals)
        )
        rows = [batch[row, : frames[row]] for row in range(len(signals))]
        return [_log_softmax(r) if self.card.output == "logits" else r for r in rows]

    def _pad(self, signals: list[tuple[NDArray[np.float32], int]]) -> NDArray[np.float32]:
        """The rows [1, ...] of `signals` as one batch, zero-padded along time to the longest.
        Waveform rows of a batch first get their own reflection (the graph's reflect pad
        would otherwise see the zeros after a shorter row)."""
        arrays = [array for array, _ in signals]
        if len(arrays) == 1:
            return arrays[0]
        time_axis = 1 if self._fbank is None or self.card.feature_layout == "BTF" else 2
        if self._fbank is None:
            arrays = [np.pad(a, [(0, 0), (0, _WAVEFORM_REFLECT)], mode="reflect") for a in arrays]
        width = max(a.shape[time_axis] for a in arrays)
        padded = []
        for array in arrays:
            widths = [(0, 0)] * array.ndim
            widths[time_axis] = (0, width - array.shape[time_axis])
            padded.append(np.pad(array, widths))
        return np.concatenate(padded, axis=0)

    def _signal(self, samples: NDArray[np.float32]) -> tuple[NDArray[np.float32], int] | None:
        """The model's input tensor [1, ...] and its length, or None for audio too short to use."""
        if samples.size == 0:
            return None
        if self._fbank is None:
            if self.card.waveform_normalize == "zero_mean_unit_var":
                samples = ((samples - samples.mean()) / (samples.std() + 1e-7)).astype(np.float32)
            if samples.size < _MIN_WAVEFORM_SAMPLES:
                samples = np.pad(samples, (0, _MIN_WAVEFORM_SAMPLES - samples.size))
            return samples[None, :], int(samples.size)
        features = fbank(samples, self._fbank)
        if features.shape[0] == 0:
            return None
        if self.card.feature_layout == "BFT":
            return np.ascontiguousarray(features.T[None]), int(features.shape[0])
        return features[None], int(features.shape[0])
