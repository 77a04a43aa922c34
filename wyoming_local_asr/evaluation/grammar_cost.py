"""What a home's grammar costs: build time, memory, and decoding time beside the open decoder.

A large home (300 entities, 30 areas, 3 floors by default) is made from the sample home's names
with numbered copies ("desk lamp two"). The grammar is built and the recognizer loaded with it
twice: the first time its new words go through hama's G2P (reported apart), the second time
their pronunciations come from the cache as they do on every later start. Then, on a corpus,
each utterance's open and closed searches are timed side by side.
"""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..ctc_recognizer import load_recognizer
from ..decode.home_decoder import FastPathOptions, HomeAwareDecoder
from ..decode.number_words import cardinal
from ..ops.system import read_process_memory
from ..vocabulary.grammar import build_grammar
from ..vocabulary.home import Area, Entity, Floor, HomeVocabulary
from .corpus import load_corpus, read_audio
from .home_corpus import sample_home


def large_home(entities: int = 300, areas: int = 30, floors: int = 3) -> HomeVocabulary:
    base = sample_home()
    floor_list = list(base.floors) + [
        Floor(f"Floor {cardinal(i)}") for i in range(len(base.floors), floors)
    ]
    area_list = [replace(a, floor=floor_list[i % floors].name) for i, a in enumerate(base.areas)]
    area_list += [
        Area(f"Guest Room {cardinal(i)}", (), floor_list[i % floors].name)
        for i in range(len(area_list), areas)
    ]
    entity_list: list[Entity] = []
    for index in range(entities):
        entity = base.entities[index % len(base.entities)]
        copy = index // len(base.entities)
        name = entity.name if copy == 0 else f"{entity.name} {cardinal(copy + 1)}"
        area = area_list[index % len(area_list)].name
        entity_list.append(Entity(name, entity.aliases if copy == 0 else (), entity.domain, area))
    return HomeVocabulary(tuple(entity_list), tuple(area_list[:areas]), tuple(floor_list[:floors]))


def measure_grammar_cost(
    model_dir: Path, corpus_dir: Path | None, home: HomeVocabulary | None = None
) -> dict[str, Any]:
    home = home or large_home()
    start = time.perf_counter()
    grammar = build_grammar(home)
    grammar_seconds = time.perf_counter() - start
    rss_before = read_process_memory().rss_mb
    with tempfile.TemporaryDirectory(prefix="local-asr-grammar-") as tmp:
        cache = Path(tmp) / "pronunciations.tsv"
        loads = []
        for _ in range(2):  # the first pays G2P for new words, the second reads the cache
            start = time.perf_counter()
            recognizer = load_recognizer(
                model_dir,
                quantized=True,
                beam=64,
                threads=1,
                device="cpu",
                home=home,
                fast_path=FastPathOptions(),
                pronunciations=cache,
            )
            loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        load_recognizer(model_dir, quantized=True, beam=64, threads=1, device="cpu")
        plain_load = time.perf_counter() - start
        new_words = sum(1 for _ in cache.open(encoding="utf-8"))
    result: dict[str, Any] = {
        "home": home.counts(),
        "grammar_nodes": len(grammar.sentences),
        "grammar_words": len(grammar.words),
        "grammar_build_seconds": round(grammar_seconds, 3),
        "words_new_to_the_lexicon": new_words,
        "load_seconds_first_with_g2p": round(loads[0], 2),
        "load_seconds_cached": round(loads[1], 2),
        "load_seconds_without_home": round(plain_load, 2),
        "process_rss_mb_after": read_process_memory().rss_mb,
        "process_rss_mb_before_recognizers": rss_before,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    decoder = recognizer.decoder
    if corpus_dir is not None and isinstance(decoder, HomeAwareDecoder):
        model = recognizer.acoustic_model
        open_seconds = full_seconds = 0.0
        clips = load_corpus(corpus_dir)
        fast = 0
        for clip in clips:
            logprobs = model(read_audio(clip.audio_path).to_float_16k())
            # side by side per clip: the open decoder alone (today's decoding, the home's names
            # in its language model), then the whole fast path (open, and closed when needed);
            # an untimed open search first, so that both timed runs find its memos as warm
            decoder.open.search(logprobs)
            start = time.perf_counter()
            decoder.open.search(logprobs)
            open_seconds += time.perf_counter() - start
            start = time.perf_counter()
            decoded = decoder.decode_utterance(logprobs)
            full_seconds += time.perf_counter() - start
            fast += decoded.source == "grammar"
        result.update(
            clips=len(clips),
            from_grammar=fast,
            open_decode_seconds=round(open_seconds, 3),
            home_aware_decode_seconds=round(full_seconds, 3),
            grammar_cost_over_open_decode=round((full_seconds - open_seconds) / open_seconds, 3),
        )
    return result
