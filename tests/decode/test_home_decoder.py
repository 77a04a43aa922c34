"""The home grammar's fast path on real and synthesized speech, with the default model."""

from __future__ import annotations

from pathlib import Path

import pytest

from wyoming_local_asr.build.measure import Clip
from wyoming_local_asr.ctc_recognizer import CtcRecognizer, load_recognizer
from wyoming_local_asr.decode.home_decoder import FastPathOptions, HomeAwareDecoder
from wyoming_local_asr.evaluation.home_corpus import sample_home
from wyoming_local_asr.evaluation.synth import VOICES, synthesize

pytestmark = pytest.mark.slow


def _load(model_dir: Path, tmp_path: Path, home: bool) -> CtcRecognizer:
    return load_recognizer(
        model_dir,
        quantized=True,
        beam=64,
        threads=1,
        device="cpu",
        home=sample_home() if home else None,
        fast_path=FastPathOptions() if home else None,
        pronunciations=tmp_path / "pronunciations.tsv",
    )


def test_real_speech_is_never_turned_into_a_command(
    default_model_dir: Path, tmp_path: Path, real_clips: list[Clip]
) -> None:
    home = _load(default_model_dir, tmp_path, home=True)
    plain = _load(default_model_dir, tmp_path, home=False)
    assert isinstance(home.decoder, HomeAwareDecoder)
    for clip in real_clips:
        heard = home.transcribe(clip.audio)
        assert heard.source == "open", clip.name
        assert heard.text == plain.transcribe(clip.audio).text, clip.name


def test_the_homes_commands_come_spelled_its_way(default_model_dir: Path, tmp_path: Path) -> None:
    home = _load(default_model_dir, tmp_path, home=True)
    spoken = {
        "turn on the nanoleaf panels": "turn on the Nanoleaf Panels",
        "lock the nuki lock": "lock the Nuki lock",
        "set the hue go brightness to fifty percent": "set the Hue Go brightness to fifty percent",
    }
    for text, expected in spoken.items():
        heard = home.transcribe(synthesize(text, VOICES["festival_slt"]))
        assert (heard.text, heard.source) == (expected, "grammar")
    # A request outside the grammar keeps the open decoder's words.
    heard = home.transcribe(synthesize("add milk to my shopping list", VOICES["festival_slt"]))
    assert (heard.text, heard.source) == ("add milk to my shopping list", "open")
    # The G2P pronunciations of the home's new words were cached.
    assert "nanoleaf\t" in (tmp_path / "pronunciations.tsv").read_text()
