"""Our own ctypes binding to RNNoise (`librnnoise`), the recurrent-network noise suppressor.

The library comes from the `pyrnnoise` wheel (amd64 and aarch64), installed with `--no-deps`
because its Python package pulls in audiolab, av and matplotlib. We only locate its shared
library and never import `pyrnnoise` itself. `LOCAL_ASR_RNNOISE_LIB` names another copy.

C API used: `rnnoise_create(NULL)` -> state, `rnnoise_process_frame(state, out, in)` on 480
float samples at 48 kHz in int16 scale (returns the frame's speech probability),
`rnnoise_destroy(state)`. A state carries the network's memory, so each stream needs its own;
calls on different states may run in parallel (ctypes releases the GIL).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import sys
import threading
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

ENV_LIBRARY = "LOCAL_ASR_RNNOISE_LIB"
# The wheel whose librnnoise we load (amd64 and aarch64); scripts/bootstrap and the Dockerfiles
# install the same one.
PYRNNOISE_REQUIREMENT = "pyrnnoise==0.4.5"
SAMPLE_RATE = 48_000
FRAME_SIZE = 480
# The output lags the input by two frames (20 ms), measured by cross-correlation on speech.
DELAY = 2 * FRAME_SIZE

_FLOAT_POINTER = ctypes.POINTER(ctypes.c_float)
_lock = threading.Lock()
_library: ctypes.CDLL | None = None


class RNNoiseUnavailableError(RuntimeError):
    """librnnoise could not be found or loaded."""


def _library_file_name() -> str:
    if sys.platform == "darwin":
        return "librnnoise.dylib"
    if sys.platform == "win32":
        return "rnnoise.dll"
    return "librnnoise.so"


def find_library() -> Path:
    """Path of librnnoise: `$LOCAL_ASR_RNNOISE_LIB`, else the copy inside the pyrnnoise wheel,
    else a system-wide librnnoise."""
    override = os.environ.get(ENV_LIBRARY)
    if override:
        path = Path(override)
        if not path.is_file():
            raise RNNoiseUnavailableError(f"{ENV_LIBRARY}={override} is not a file")
        return path
    spec = importlib.util.find_spec("pyrnnoise")  # locates the package without importing it
    for directory in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(directory) / _library_file_name()
        if candidate.is_file():
            return candidate
    system = ctypes.util.find_library("rnnoise")
    if system:
        return Path(system)
    raise RNNoiseUnavailableError(
        f"librnnoise not found: install it with `pip install --no-deps {PYRNNOISE_REQUIREMENT}`, "
        f"set {ENV_LIBRARY} to the library's path, or run with --no-denoise"
    )


def load_library() -> ctypes.CDLL:
    """Load librnnoise once per process and declare the functions we call."""
    global _library  # noqa: PLW0603 - the loaded library is process-wide by nature
    with _lock:
        if _library is None:
            path = find_library()
            try:
                library = ctypes.CDLL(str(path))
            except OSError as error:
                raise RNNoiseUnavailableError(f"cannot load {path}: {error}") from error
            library.rnnoise_create.argtypes = [ctypes.c_void_p]
            library.rnnoise_create.restype = ctypes.c_void_p
            library.rnnoise_destroy.argtypes = [ctypes.c_void_p]
            library.rnnoise_destroy.restype = None
            library.rnnoise_process_frame.argtypes = [
                ctypes.c_void_p,
                _FLOAT_POINTER,
                _FLOAT_POINTER,
            ]
            library.rnnoise_process_frame.restype = ctypes.c_float
            library.rnnoise_get_frame_size.argtypes = []
            library.rnnoise_get_frame_size.restype = ctypes.c_int
            frame_size = library.rnnoise_get_frame_size()
            if frame_size != FRAME_SIZE:
                raise RNNoiseUnavailableError(
                    f"{path} uses {frame_size}-sample frames, expected {FRAME_SIZE}"
                )
            _library = library
        return _library


class RNNoiseState:
    """One RNNoise stream. Use as a context manager (or call `close()`) to free it."""

    def __init__(self) -> None:
        self._state: int | None = None
        self._library = load_library()
        self._state = self._library.rnnoise_create(None)
        if not self._state:
            raise RNNoiseUnavailableError("rnnoise_create failed")

    def process_frames(
        self, frames: NDArray[np.float32]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Denoise consecutive frames, shape (n, 480), 48 kHz in int16 scale.

        Returns the denoised frames (same shape, the signal delayed by `DELAY` samples) and each
        frame's speech probability in [0, 1].
        """
        if self._state is None:
            raise ValueError("RNNoise state is closed")
        if frames.ndim != 2 or frames.shape[1] != FRAME_SIZE:
            raise ValueError(f"frames must have shape (n, {FRAME_SIZE}), got {frames.shape}")
        source = np.ascontiguousarray(frames, dtype=np.float32)
        output = np.empty_like(source)
        probabilities = np.empty(len(source), dtype=np.float32)
        process = self._library.rnnoise_process_frame
        row_bytes = FRAME_SIZE * 4
        source_address = source.ctypes.data
        output_address = output.ctypes.data
        for index in range(len(source)):
            probabilities[index] = process(
                self._state,
                ctypes.cast(output_address + index * row_bytes, _FLOAT_POINTER),
                ctypes.cast(source_address + index * row_bytes, _FLOAT_POINTER),
            )
        return output, probabilities

    def close(self) -> None:
        if self._state is not None:
            self._library.rnnoise_destroy(self._state)
            self._state = None

    def __enter__(self) -> RNNoiseState:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
