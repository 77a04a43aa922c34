"""The English model files shipped in the `pocketsphinx` package, and their word list.

`en-us.lm.bin` is a trigram model in Sphinx's binary trie format. Its header is the text
"Trie Language Model", one byte with the order, then one little-endian `u32` count per order;
the vocabulary (unigram words, in word-id order) closes the file as NUL-terminated strings.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAGIC = b"Trie Language Model"
# Tokens of the model's vocabulary that are not words.
SPECIAL_WORDS = frozenset(("<s>", "</s>", "<unk>", "<sil>"))


def english_model_dir() -> Path:
    """`pocketsphinx/model/en-us` of the installed package."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


def english_lm_path() -> Path:
    return english_model_dir() / "en-us.lm.bin"


def cmudict_path() -> Path:
    return english_model_dir() / "cmudict-en-us.dict"


def read_header(data: bytes) -> list[int]:
    """The n-gram counts (unigrams first) of a binary trie model."""
    if not data.startswith(MAGIC):
        raise ValueError("not a Sphinx binary trie language model")
    order = data[len(MAGIC)]
    return list(struct.unpack_from(f"<{order}I", data, len(MAGIC) + 1))


def read_vocabulary(data: bytes) -> list[str]:
    """The model's words in word-id order (including `<s>` and `</s>`)."""
    count = read_header(data)[0]
    if not data.endswith(b"\0"):
        raise ValueError("the vocabulary does not close the file")
    words = data[:-1].rsplit(b"\0", count)[1:]
    if len(words) != count:
        raise ValueError(f"expected {count} words, found {len(words)}")
    return [word.decode("utf-8") for word in words]


def lm_vocabulary(path: Path | None = None) -> list[str]:
    return read_vocabulary((path or english_lm_path()).read_bytes())


def frequent_words(count: int | None, path: Path | None = None) -> list[str]:
    """The words of the general English model by decreasing unigram probability (the first
    `count`; all for None), its special tokens (`SPECIAL_WORDS`) left out."""
    from pocketsphinx import NGramModel

    path = path or english_lm_path()
    model = NGramModel.readfile(str(path))
    words = [word for word in lm_vocabulary(path) if word not in SPECIAL_WORDS]
    return sorted(words, key=lambda word: -int(model.prob([word])))[:count]
