"""Whether a padded batch through `OnnxAcousticModel.forward_batch` gives what each utterance
gives alone: the largest absolute log-probability difference, the share of frames whose argmax
changed, and the transcripts (the same decoder on both) that changed, per corpus.

`python -m wyoming_local_asr.evaluation.batch_equivalence MODEL_DIR CORPUS_DIR... [--batch N]`
groups each corpus's clips in name order (lengths mixed, as concurrent clients send them).
`--force` runs padded batches even when `pads_exactly` says no (a graph without masks, an int8
graph), to measure what padding does there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..acoustic.runner import OnnxAcousticModel
from ..ctc_recognizer import load_recognizer
from .corpus import load_corpus, read_audio


def compare(
    model_dir: Path, corpus: Path, batch: int, *, quantized: bool, force: bool = False
) -> dict[str, Any]:
    recognizer = load_recognizer(model_dir, quantized=quantized, beam=64, threads=1, device="cpu")
    model: OnnxAcousticModel = recognizer.acoustic_model
    clips = load_corpus(corpus)
    audios = [read_audio(clip.audio_path).to_float_16k() for clip in clips]
    alone = [model(audio) for audio in audios]
    together: list[NDArray[np.float32]] = []
    for start in range(0, len(audios), batch):
        group = audios[start : start + batch]
        together += _padded_run(model, group) if force else model.batch(group)
    worst = 0.0
    frames = changed_frames = changed_texts = 0
    for one, many in zip(alone, together, strict=True):
        if one.shape != many.shape:
            raise AssertionError(f"frames differ: {one.shape} alone, {many.shape} in a batch")
        if one.size:
            worst = max(worst, float(np.abs(one - many).max()))
        frames += one.shape[0]
        changed_frames += int((one.argmax(-1) != many.argmax(-1)).sum())
        texts = [recognizer.decoder.decode_utterance(lp).text for lp in (one, many)]
        changed_texts += texts[0] != texts[1]
    return {
        "corpus": corpus.name,
        "clips": len(clips),
        "batch": batch,
        "precision": "int8" if quantized else "fp32",
        "padded_batches": force or model.pads_exactly,
        "max_abs_logprob_difference": worst,
        "argmax_frames_changed": changed_frames,
        "frames": frames,
        "transcripts_changed": changed_texts,
    }


def _padded_run(
    model: OnnxAcousticModel, audios: list[NDArray[np.float32]]
) -> list[NDArray[np.float32]]:
    """One padded run whatever `pads_exactly` says (clips under the chunk length)."""
    signals = [model._signal(audio) for audio in audios]
    return model._run([signal for signal in signals if signal is not None])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("corpora", type=Path, nargs="+")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    for corpus in args.corpora:
        for quantized in (False, True):
            row = compare(args.model_dir, corpus, args.batch, quantized=quantized, force=args.force)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
