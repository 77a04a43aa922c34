import numpy as np

from wyoming_local_asr.decode.trie import NO_NODE, ROOT, PronunciationTrie


def build(pronunciations: list[tuple[int, list[int]]], tokens: int = 10) -> PronunciationTrie:
    word_ids = np.array([w for w, _ in pronunciations], np.int64)
    phonemes = np.array([p for _, pron in pronunciations for p in pron], np.int64)
    offsets = np.cumsum([0] + [len(pron) for _, pron in pronunciations]).astype(np.int64)
    return PronunciationTrie(word_ids, phonemes, offsets, tokens)


def test_shared_prefixes_share_nodes() -> None:
    trie = build([(0, [1, 2, 3]), (1, [1, 2]), (2, [1, 4]), (3, [5])])
    # root, 1, 5, 1-2, 1-4, 1-2-3
    assert trie.node_count == 6
    assert trie.find([1, 2]) == trie.child(trie.child(ROOT, 1), 2)
    assert trie.words(trie.find([1, 2])) == (1,)
    assert trie.words(trie.find([1, 2, 3])) == (0,)
    assert trie.words(trie.find([1])) == ()
    assert trie.words(ROOT) == ()
    assert trie.find([2]) == NO_NODE
    assert trie.find([1, 2, 3, 4]) == NO_NODE
    assert trie.first_tokens() == [1, 5]
    assert trie.used_tokens() == {1, 2, 3, 4, 5}


def test_homophones_and_variants() -> None:
    trie = build([(0, [1, 2]), (1, [1, 2]), (0, [1, 3]), (0, [1, 2])])
    assert trie.words(trie.find([1, 2])) == (0, 1)
    assert trie.words(trie.find([1, 3])) == (0,)


def test_every_pronunciation_is_found_in_a_random_lexicon() -> None:
    rng = np.random.default_rng(7)
    pronunciations = [
        (i, [int(t) for t in rng.integers(0, 6, rng.integers(1, 6))]) for i in range(300)
    ]
    trie = build(pronunciations, tokens=6)
    for word, pron in pronunciations:
        assert word in trie.words(trie.find(pron))
    # Node count equals the number of distinct prefixes plus the root.
    prefixes = {tuple(pron[:n]) for _, pron in pronunciations for n in range(1, len(pron) + 1)}
    assert trie.node_count == len(prefixes) + 1


def test_added_words_extend_without_rebuild() -> None:
    trie = build([(0, [1, 2, 3])])
    assert trie.find([1, 2]) != NO_NODE
    assert trie.find([1, 2, 4]) == NO_NODE  # memoized miss must not hide the addition
    trie.add(1, [1, 2, 4])
    trie.add(2, [1, 2])
    trie.add(3, [6, 7])
    trie.add(3, [6, 7])
    assert trie.words(trie.find([1, 2, 4])) == (1,)
    assert trie.words(trie.find([1, 2])) == (2,)
    assert trie.words(trie.find([1, 2, 3])) == (0,)
    assert trie.words(trie.find([6, 7])) == (3,)
    assert trie.node_count == 7
    assert 6 in trie.first_tokens()


def test_empty_trie() -> None:
    trie = build([])
    assert trie.node_count == 1
    assert trie.find([1]) == NO_NODE
    trie.add(0, [1])
    assert trie.words(trie.find([1])) == (0,)


def test_children_are_every_edge_out_of_a_node() -> None:
    trie = build([(0, [1, 2, 3]), (1, [1, 2]), (2, [1, 4]), (3, [5])])
    trie.add(4, [1, 6])
    trie.add(5, [7, 8])
    for node in range(trie.node_count):
        expected = [(t, trie.child(node, t)) for t in range(10) if trie.child(node, t) != NO_NODE]
        assert sorted(trie.children(node)) == expected
