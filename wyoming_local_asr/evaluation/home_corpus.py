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
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from ..decode.command_words import normalize_sentence
from ..progress import Progress
from ..recognizer import SAMPLE_RATE
from ..vocabulary.grammar import AREA_SLOT, FLOOR_SLOT, HomeGrammar, build_grammar, name_slot
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


# At most this many sentences from one template (its optional words and alternatives).
MAX_PER_TEMPLATE = 400


def _marker(index: int) -> str:
    """A plain lowercase word that stands for slot `index` while hassil expands."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return f"zzslot{letters}"


def corpus_templates(home: HomeVocabulary) -> list[tuple[str, ...]]:
    """The sentences the corpus draws from: the speech-to-phrase intents expanded by hassil
    (at most `MAX_PER_TEMPLATE` per template, a few spoken numbers per range), each name kept
    as its slot (`<name:light>`, `<area>`, `<floor>`), in order."""
    from hassil import TextSlotList, check_excluded_context, check_required_context
    from hassil.sample import sample_expression

    from ..build.command_sentences import speech_to_phrase_intents

    domains = sorted({entity.domain for entity in home.all_entities()})
    slots = [name_slot(d) for d in domains] + [AREA_SLOT, FLOOR_SLOT]
    markers = {_marker(i): slot for i, slot in enumerate(slots)}
    by_slot = {slot: marker for marker, slot in markers.items()}
    intents, slot_lists = speech_to_phrase_intents()
    name_values = TextSlotList.from_tuples(
        [
            (by_slot[name_slot(d)], by_slot[name_slot(d)], {"domain": d} if d else {})
            for d in domains
        ]
    )
    slot_lists["area"] = TextSlotList.from_strings([by_slot[AREA_SLOT]] if home.areas else [])
    slot_lists["floor"] = TextSlotList.from_strings([by_slot[FLOOR_SLOT]] if home.floors else [])
    templates: dict[tuple[str, ...], None] = {}
    for intent_name in sorted(intents.intents):
        for data in intents.intents[intent_name].data:
            values = [
                value
                for value in name_values.values
                if check_required_context(
                    data.requires_context, value.context or {}, allow_missing_keys=True
                )
                and check_excluded_context(data.excludes_context, value.context or {})
            ]
            lists = {
                **slot_lists,
                **data.slot_lists,
                "name": TextSlotList(name="name", values=values),
            }
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for template in data.sentences:
                used = set(template.list_names(rules))
                if used & set(data.wildcard_list_names):
                    continue
                if any(
                    name in used and not lists[name].values for name in ("name", "area", "floor")
                ):
                    continue
                texts = sample_expression(template.expression, lists, rules, language="en")
                for text in itertools.islice(texts, MAX_PER_TEMPLATE):
                    words = tuple(markers.get(w, w) for w in normalize_sentence(text))
                    if words:
                        templates[words] = None
    return list(templates)


def home_sentences(
    home: HomeVocabulary, templates_per_split: int = 150, seed: int = 0
) -> list[Sentence]:
    """Command sentences of the home's grammar and natural requests, each in its split."""
    grammar = build_grammar(home)
    templates = corpus_templates(home)
    rng = random.Random(seed)
    sentences: list[Sentence] = []
    for split in SPLITS:
        candidates = [t for t in templates if split_of(" ".join(t)) == split]
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
