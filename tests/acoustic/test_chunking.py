"""Cut plans for long audio: full coverage, frame alignment, cuts in quiet stretches."""

from __future__ import annotations

import numpy as np

from wyoming_local_asr.acoustic.chunking import ChunkPolicy, plan_chunks

FRAME = 320
RATE = 16000


def _kept_frames(plans: list, total_frames: int) -> list[int]:
    frames: list[int] = []
    for plan in plans:
        assert plan.start % FRAME == 0
        piece_frames = (plan.stop - plan.start) // 160 // 2 + 1
        stop = piece_frames if plan.keep_to is None else plan.keep_to
        assert plan.keep_to is None or plan.keep_to <= piece_frames
        frames += [plan.start // FRAME + i for i in range(plan.keep_from, stop)]
    return frames


def test_short_audio_is_one_piece() -> None:
    audio = np.zeros(10 * RATE, dtype=np.float32)
    assert len(plan_chunks(audio, FRAME, ChunkPolicy())) == 1


def test_pieces_cover_every_output_frame_once() -> None:
    rng = np.random.default_rng(1)
    for seconds in (31.0, 65.3, 200.01):
        audio = rng.standard_normal(int(seconds * RATE)).astype(np.float32)
        plans = plan_chunks(audio, FRAME, ChunkPolicy())
        assert len(plans) >= 2
        total_frames = audio.size // 160 // 2 + 1
        assert _kept_frames(plans, total_frames) == list(range(total_frames))
        assert all(p.stop - p.start <= 30 * RATE for p in plans)


def test_cut_lands_in_the_quiet_gap() -> None:
    rng = np.random.default_rng(2)
    audio = (0.3 * rng.standard_normal(40 * RATE)).astype(np.float32)
    quiet = slice(int(25.5 * RATE), int(26.1 * RATE))
    audio[quiet] *= 0.001
    plans = plan_chunks(
        audio, FRAME, ChunkPolicy(max_seconds=30, search_seconds=5, context_seconds=1)
    )
    cut = plans[1].start + plans[1].keep_from * FRAME
    assert quiet.start <= cut <= quiet.stop
