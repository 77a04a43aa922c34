"""Keeping the server's resident memory small where the C library allows it (glibc).

- One malloc arena: glibc gives every thread that allocates its own arena, and each keeps the
  memory it once held. With the server's worker threads that cost about 20 MB of resident
  memory, and with two arenas still 11-15 MB in some runs (measured with `bench`'s server
  runs); with one, the peak is steady and latency is unchanged (the threads spend their time
  in onnxruntime, RNNoise and numpy, not in malloc).
- Handing back freed heap after the model load, whose temporaries glibc would keep (about
  10 MB after the lexicon and language model are read).

Elsewhere (musl in Alpine-based images, macOS) these are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any

_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h
MALLOC_ARENAS = 1


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas; call before the worker threads start. True if applied."""
    mallopt = getattr(_libc(), "mallopt", None)
    return bool(mallopt is not None and mallopt(_M_ARENA_MAX, arenas) == 1)


def release_free_memory() -> bool:
    """Return freed heap memory to the system. True if the C library could do it."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim(0)
    return True
