"""The corpus format and the real corpus built from Debian's pocketsphinx-testdata."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from wyoming_local_asr.evaluation.corpus import (
    Clip,
    CorpusError,
    load_corpus,
    read_audio,
    write_clip,
)
from wyoming_local_asr.evaluation.noisy_corpus import babble_talkers, build_noisy_corpus, noisy
from wyoming_local_asr.evaluation.real_corpus import find_recordings, parse_transcript_file


def clip_named(clips: list[Clip], name: str) -> Clip:
    return next(clip for clip in clips if clip.name == name)


def test_real_corpus_has_every_transcribed_recording(real_corpus: Path) -> None:
    clips = load_corpus(real_corpus)
    names = [clip.name for clip in clips]
    assert len(clips) == 12
    assert {"goforward", "tidigits_dhd-2934z"} <= set(names)
    assert sum(name.startswith("librivox_") for name in names) == 5
    assert sum(name.startswith("cards_") for name in names) == 5
    assert clip_named(clips, "goforward").reference == "go forward ten meters"
    assert clip_named(clips, "tidigits_dhd-2934z").reference == "two nine three four zero"
    assert clip_named(clips, "cards_005").reference == (
        "eight of spades four of clubs seven of hearts"
    )
    assert clip_named(clips, "librivox_austen-0870").reference.startswith(
        "and mister john dashwood had then leisure"
    )
    manifest = json.loads((real_corpus / "corpus.json").read_text())
    assert manifest["kind"] == "real"
    assert len(manifest["clips"]) == 12


def test_real_clips_are_16k_mono_16bit_copies_of_the_source(
    real_corpus: Path, testdata_dir: Path
) -> None:
    with wave.open(str(real_corpus / "goforward.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        written = wav.readframes(wav.getnframes())
    assert written == (testdata_dir / "goforward.raw").read_bytes()


def test_transcript_lines_are_parsed_and_normalized(tmp_path: Path) -> None:
    path = tmp_path / "x.transcription"
    path.write_text("<s> Mr. Smith  </s> (utt-1)\nno id here\n<s> go 10 </s> (utt2)\n")
    assert parse_transcript_file(path) == {"utt-1": "mister smith", "utt2": "go ten"}


def test_match_files_are_not_references(testdata_dir: Path) -> None:
    # librivox/test-lm.match is pocketsphinx output ("but mr john guess would ...").
    recordings = {rec.name: rec.reference for rec in find_recordings(testdata_dir)}
    assert recordings["librivox_austen-0870"].startswith("and mister john dashwood")


def test_load_corpus_pairs_audio_with_text(tmp_path: Path) -> None:
    tone = (0.3 * np.sin(np.arange(8000) * 0.2)).astype(np.float32)
    write_clip(tmp_path, "b", tone, "second clip\n")
    write_clip(tmp_path, "a", tone, "first clip")
    (tmp_path / "orphan.wav").write_bytes((tmp_path / "a.wav").read_bytes())
    (tmp_path / "c.raw").write_bytes((np.ones(1600, dtype="<i2") * 1000).tobytes())
    (tmp_path / "c.txt").write_text("raw clip")
    clips = load_corpus(tmp_path)
    assert [(c.name, c.reference) for c in clips] == [
        ("a", "first clip"),
        ("b", "second clip"),
        ("c", "raw clip"),
    ]
    raw = read_audio(tmp_path / "c.raw")
    assert raw.seconds == pytest.approx(0.1)
    assert raw.to_float_16k()[0] == pytest.approx(1000 / 32768)
    audio = read_audio(tmp_path / "a.wav").to_float_16k()
    assert np.max(np.abs(audio - tone)) < 1e-4


def test_empty_or_missing_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError):
        load_corpus(tmp_path / "missing")


def test_noise_is_reproducible_and_at_the_asked_snr(real_corpus: Path, tmp_path: Path) -> None:
    speech = read_audio(real_corpus / "goforward.wav").to_float_16k()
    first = noisy(speech, "goforward", 10.0)
    assert np.array_equal(first, noisy(speech, "goforward", 10.0))
    assert not np.array_equal(first, noisy(speech, "other", 10.0))
    noise = first.astype(np.float64) - speech
    snr = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(10.0, abs=0.2)

    source = tmp_path / "src"
    write_clip(source, "goforward", speech, "go forward ten meters")
    clips = build_noisy_corpus(source, tmp_path / "noisy", 10.0)
    assert [c.reference for c in clips] == ["go forward ten meters"]
    assert read_audio(clips[0].audio_path).seconds == pytest.approx(len(speech) / 16000)


def test_babble_is_other_peoples_speech_at_the_asked_snr(real_corpus: Path) -> None:
    reading = read_audio(real_corpus / "librivox_austen-0880.wav").to_float_16k()
    talkers = babble_talkers(reading)
    # The LibriVox readings, numbers.raw and something.raw, without the clip itself.
    assert len(talkers) == 6
    assert not any(len(t) == len(reading) and np.array_equal(t, reading) for t in talkers)
    command = read_audio(real_corpus / "goforward.wav").to_float_16k()
    assert len(babble_talkers(command)) == 7

    mixed = noisy(reading, "librivox_austen-0880", 10.0, kind="babble")
    noise = mixed.astype(np.float64) - reading
    snr = 10 * np.log10(np.mean(reading.astype(np.float64) ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(10.0, abs=0.2)
    # Babble is speech-like: its level swings much more than white noise's from 10 ms to 10 ms.
    frames = noise[: len(noise) // 160 * 160].reshape(-1, 160)
    levels = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    white = noisy(reading, "librivox_austen-0880", 10.0) - reading.astype(np.float64)
    white_levels = 10 * np.log10(np.mean(white[: len(levels) * 160].reshape(-1, 160) ** 2, axis=1))
    assert np.std(levels) > 2 * np.std(white_levels)
