"""`python -m wyoming_local_asr.vocabulary.g2p_worker`: hama's G2P in a process of its own.

Reads one word per line on stdin and answers `word<TAB>phonemes` per line on stdout, flushed
word by word, at a lower CPU priority than the server (nice 10) and on one thread, so that a
large vocabulary never slows transcription much and the server can stop it at once (it is
killed: whatever it answered so far is kept by the caller). See `pronunciations.py`.
"""

from __future__ import annotations

import contextlib
import os
import sys

NICENESS = 10


def main() -> int:
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    from ..decode.lexicon import g2p_pronouncer

    pronounce = g2p_pronouncer()
    for line in sys.stdin:
        word = line.strip()
        if not word:
            continue
        phonemes = pronounce([word])[0]
        sys.stdout.write(f"{word}\t{' '.join(phonemes)}\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
