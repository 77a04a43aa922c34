"""A home-vocabulary corpus: the sample home's own commands and natural requests, spoken.

The sample home (`data/sample_home_en.yaml`) and its grammar (`vocabulary/grammar.py`) give the
command sentences: templates with slots, filled with the home's names. Requests phrased outside
the templates (`data/natural_requests_en.yaml`) check that the open decoder still hears
everything else. Split once, by sentence and by name: a template, a natural request and every
entity, area and floor name belongs to the tuning half or the test half by a hash of its text,
and a test sentence uses test templates and test names only. The corpus is written as
`OUT/{tune,test}/{templates,natural}/`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from ..progress import Progress
from ..recognizer import SAMPLE_RATE
from ..vocabulary.grammar import AREA_SLOT, HomeGrammar, build_grammar, name_slot
from ..vocabulary.home import HomeVocabulary, parse_vocabulary
from .corpus import Clip, write_clip, write_manifest
from .synth import DEFAULT_VOICES, VOICES, synthesize

SPLITS = ("tune", "test")
SAMPLE_HOME = "sample_home_en.yaml"
NATURAL_REQUESTS = "natural_requests_en.yaml"
# Slot words of the natural requests -> the grammar slot whose names fill them.
NATURAL_SLOTS = {
    "light": name_slot("light"),
    "switch": name_slot("switch"),
    "cover": name_slot("cover"),
    "lock": name_slot("lock"),
    "media": name_slot("media_player"),
    "climate": name_slot("climate"),
    "sensor": name_slot("sensor"),
    "area": AREA_SLOT,
}


def data_file(name: str) -> Path:
    return Path(str(files("wyoming_local_asr.evaluation").joinpath("data", name)))


def sample_home() -> HomeVocabulary:
    return parse_vocabulary(yaml.safe_load(data_file(SAMPLE_HOME).read_text(encoding="utf-8")))


def split_of(text: str) -> str:
    """`tune` or `test`, by a hash of `text`: the same for every run and machine."""
    return SPLITS[hashlib.sha256(text.encode()).digest()[0] % 2]


@dataclass(frozen=True)
class Sentence:
    text: str  # as Home Assistant would want it (names spelled the home's way)
    split: str
    kind: str  # "templates" or "natural"


def _fill(
    tokens: Sequence[str], grammar: HomeGrammar, split: str, rng: random.Random
) -> str | None:
    words: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            options = [p for p in grammar.fillers.get(token, []) if split_of(" ".join(p)) == split]
            if not options:
                return None
            words.extend(rng.choice(options))
        else:
            words.append(token)
    return grammar.spell(words)


def home_sentences(
    home: HomeVocabulary, templates_per_split: int = 150, seed: int = 0
) -> list[Sentence]:
    """Command sentences of the home's grammar and natural requests, each in its split."""
    grammar = build_grammar(home)
    rng = random.Random(seed)
    sentences: list[Sentence] = []
    for split in SPLITS:
        candidates = [t for t in grammar.templates if split_of(" ".join(t)) == split]
        rng.shuffle(candidates)
        # Two of three with an entity name: names are what a home adds to the templates.
        named = [t for t in candidates if any(w.startswith("<name:") for w in t)]
        other = [t for t in candidates if not any(w.startswith("<name:") for w in t)]
        candidates = [
            t for trio in zip(named[0::2], named[1::2], other, strict=False) for t in trio
        ]
        chosen: list[str] = []
        for template in candidates:
            text = _fill(template, grammar, split, rng)
            if text is not None and text not in chosen:
                chosen.append(text)
            if len(chosen) == templates_per_split:
                break
        sentences += [Sentence(text, split, "templates") for text in chosen]
    requests = yaml.safe_load(data_file(NATURAL_REQUESTS).read_text(encoding="utf-8"))
    for request in requests:
        split = split_of(request)
        spoken: str | None = request
        for slot, grammar_slot in NATURAL_SLOTS.items():
            if spoken is not None and "{" + slot + "}" in spoken:
                filled = _fill([grammar_slot], grammar, split, rng)
                # A request whose half has no such name is left out: names never cross halves.
                spoken = None if filled is None else spoken.replace("{" + slot + "}", filled)
        if spoken is not None:
            sentences.append(Sentence(spoken, split, "natural"))
    return sentences


def build_home_corpus(
    out_dir: Path,
    voices: Sequence[str] = DEFAULT_VOICES,
    templates_per_split: int = 150,
    seed: int = 0,
) -> dict[str, list[Clip]]:
    """Speak every sentence with every voice into `OUT/SPLIT/KIND/VOICE_NNN.wav` (+ `.txt`);
    writes the sample home as `OUT/home.yaml` for `eval --vocabulary-file`."""
    unknown = [name for name in voices if name not in VOICES]
    if unknown:
        raise ValueError(f"unknown voices {unknown}; choose from {', '.join(VOICES)}")
    home = sample_home()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "home.yaml").write_text(
        yaml.safe_dump(home.to_document(), sort_keys=False), encoding="utf-8"
    )
    sentences = home_sentences(home, templates_per_split, seed)
    corpora: dict[str, list[Clip]] = {}
    entries: dict[str, list[dict[str, Any]]] = {}
    with Progress("synthesize", total=len(sentences) * len(voices)) as bar:
        for voice_name in voices:
            voice = VOICES[voice_name]
            for index, sentence in enumerate(sentences):
                key = f"{sentence.split}/{sentence.kind}"
                name = f"{voice_name}_{index:03d}"
                samples = synthesize(sentence.text, voice)
                clip = write_clip(out_dir / key, name, samples, sentence.text)
                corpora.setdefault(key, []).append(clip)
                entries.setdefault(key, []).append(
                    {
                        "name": name,
                        "voice": voice_name,
                        "reference": sentence.text,
                        "split": sentence.split,
                        "kind": sentence.kind,
                        "seconds": round(len(samples) / SAMPLE_RATE, 3),
                    }
                )
                bar.advance(note=name)
    for key, items in entries.items():
        write_manifest(out_dir / key, "home", items)
    return corpora
