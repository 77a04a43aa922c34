"""Build the default model dir from the installed `hama` package: seconds, no downloads.

Steps: read `asr_waveform.hama` -> fp32 ONNX graph -> int8 graph -> tokens.txt -> decoder data
(lexicon, LM) -> measurements -> card. Everything is written into a temporary sibling dir that
replaces the target only when complete, so a crash never leaves a half-built model behind.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
from pathlib import Path

from ..acoustic.card import ModelCard, file_entry, render_markdown
from ..acoustic.default_model import expected_version, hama_version, is_current
from ..acoustic.paths import CARD_JSON, CARD_MARKDOWN, FP32_FILE, INT8_FILE, TOKENS_FILE
from ..acoustic.paths import (
    model_dir as default_model_dir,
)
from ..acoustic.runner import OnnxAcousticModel
from ..acoustic.token_file import write_tokens
from ..config import DEFAULT_MODEL
from ..progress import Progress
from .decoder_files import write_decoder_files
from .hama_format import hama_tokens, packaged_asr_path, read_hama
from .measure import compare_accuracy, real_time_factors, synthetic_clip, testdata_clips

_LOGGER = logging.getLogger(__name__)
_STEPS = 7


def _measure(model_dir: Path, card: ModelCard) -> None:
    """Fill the card's accuracy (int8 vs fp32 PER) and speed (RTF side by side) sections."""
    fp32 = OnnxAcousticModel(model_dir, quantized=False, threads=1, verify_checksum=False)
    int8 = OnnxAcousticModel(model_dir, quantized=True, threads=1, verify_checksum=False)
    skip = [fp32.blank_id, fp32.tokens.index("<wb>")]
    clips = testdata_clips()
    if clips:
        seconds = sum(c.seconds for c in clips)
        card.accuracy = {
            "int8_per_vs_fp32_percent": round(compare_accuracy(fp32, int8, clips, skip), 2),
            "clips": f"{len(clips)} real recordings of pocketsphinx-testdata ({seconds:.1f} s)",
            "metric": "phoneme error rate of int8 greedy phonemes against fp32 greedy phonemes",
        }
    else:
        clips = [synthetic_clip()]
        card.accuracy = {"note": "not measured: pocketsphinx-testdata is not installed"}
    rtf = real_time_factors({"fp32": fp32, "int8": int8}, clips)
    card.speed = {
        "rtf_fp32": round(rtf["fp32"], 5),
        "rtf_int8": round(rtf["int8"], 5),
        "int8_speedup": round(rtf["fp32"] / rtf["int8"], 2),
        "setup": "onnxruntime CPU, 1 intra-op thread, fastest of 3 interleaved runs per clip, "
        f"{len(clips)} clip(s), {sum(c.seconds for c in clips):.1f} s of audio",
    }


def _default_card(parameters: int, quantization_method: str) -> ModelCard:
    return ModelCard(
        name=DEFAULT_MODEL,
        frontend="waveform",
        description=(
            "English Conformer-CTC phoneme recognizer (4 blocks, d=144, 4 heads) from the hama "
            "package, rebuilt as an ONNX graph: 16 kHz waveform in, log-probabilities over 189 "
            "IPA phoneme tokens plus <wb> (word boundary) and <blank> out, one frame per 20 ms."
        ),
        version=expected_version(),
        languages=["en"],
        license="Apache-2.0",
        source=f"hama {hama_version()} (PyPI), file hama/assets/asr_waveform.hama",
        attribution_name="hama (Apache-2.0)",
        attribution_url="https://pypi.org/project/hama/",
        token_type="phoneme",
        blank="<blank>",
        word_boundary="<wb>",
        frame_shift_ms=20.0,
        output="logprobs",
        masks_padding=True,
        parameters=parameters,
        quantization={"method": quantization_method, "int8_file": INT8_FILE},
        notes=[
            "Weights are hama's (stored float16/float32), used as float32 in model.onnx.",
            "Built locally by `wyoming-local-asr model build`; nothing is downloaded.",
            "Padded batches are masked by waveform_lengths (a row gives what it gives alone).",
        ],
    )


def _build_into(target: Path, progress: Progress) -> None:
    # Imported here: onnx and the quantizer take about 12 MB that a server whose model is
    # already built (it imports this module for `ensure_default_model`) never needs.
    import onnx

    from .hama_graph import build_hama_graph
    from .quantize import METHOD, quantize_int8

    container = read_hama(packaged_asr_path())
    progress.advance(note="read hama weights")
    onnx.save(build_hama_graph(container), str(target / FP32_FILE))
    progress.advance(note="fp32 graph")
    quantize_int8(target / FP32_FILE, target / INT8_FILE)
    progress.advance(note="int8 graph")
    write_tokens(target / TOKENS_FILE, hama_tokens())
    card = _default_card(container.parameter_count, METHOD)
    (target / CARD_JSON).write_text(card.to_json(), encoding="utf-8")
    progress.advance(note="tokens")
    write_decoder_files(target)
    progress.advance(note="decoder data")
    _measure(target, card)
    progress.advance(note="measured")
    card.files = {
        p.name: file_entry(p)
        for p in sorted(target.iterdir())
        if p.is_file() and p.name not in (CARD_JSON, CARD_MARKDOWN)
    }
    (target / CARD_JSON).write_text(card.to_json(), encoding="utf-8")
    (target / CARD_MARKDOWN).write_text(render_markdown(card), encoding="utf-8")
    progress.advance(note="card")


def _replace_dir(built: Path, target: Path) -> None:
    """Swap `built` into place; the old dir (if any) is moved aside first, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{built.name}")
        target.rename(old)
    built.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_default_model(model_dir: Path, progress: bool = True) -> Path:
    """Build the default model into `model_dir` (replacing it atomically) and return it."""
    model_dir = Path(model_dir)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.build-", dir=model_dir.parent))
    stream = None if progress else io.StringIO()
    try:
        with Progress(f"model build {model_dir.name}", total=_STEPS, stream=stream) as bar:
            _build_into(work, bar)
        work.chmod(0o755)
        _replace_dir(work, model_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return model_dir


def ensure_default_model(data_dir: Path | None = None, progress: bool = True) -> Path:
    """The default model's dir under `data_dir`, built first if missing, incomplete or outdated."""
    target = default_model_dir(DEFAULT_MODEL, data_dir)
    if is_current(target):
        return target
    _LOGGER.info("building the default model into %s", target)
    try:
        return build_default_model(target, progress=progress)
    except OSError:
        # Another process may have finished the same build first.
        if is_current(target):
            return target
        raise
