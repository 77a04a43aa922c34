"""Reader of hama's `.hama` weight container (used for `hama/assets/asr_waveform.hama`).

Layout (little-endian): 6 bytes `HAMAPK`, u8 version (1), u8 kind, u32 tensor count, then per
tensor: u16 name length, UTF-8 name, u8 dtype (0 = float32, 1 = float16), u8 ndim, ndim x u32
dims, u64 offset, u64 byte length. The data block starts at the end of this header rounded up
to 16 bytes, and the offsets count from there.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..acoustic.errors import ModelError

MAGIC = b"HAMAPK"
SUPPORTED_VERSION = 1
DATA_ALIGNMENT = 16
_DTYPES: dict[int, np.dtype[np.floating]] = {
    0: np.dtype("<f4"),
    1: np.dtype("<f2"),
}


@dataclass(frozen=True)
class HamaTensor:
    """One stored tensor: its name, its array (in the stored dtype) and where it sat in the file."""

    name: str
    array: NDArray[np.floating]
    offset: int


@dataclass(frozen=True)
class HamaContainer:
    """The parsed contents of a `.hama` file, tensors in file order."""

    version: int
    kind: int
    tensors: dict[str, HamaTensor]

    def float32(self, name: str) -> NDArray[np.float32]:
        """The tensor `name` converted to float32 (a `ModelError` if it is missing)."""
        tensor = self.tensors.get(name)
        if tensor is None:
            raise ModelError(f"hama container has no tensor named {name!r}")
        return tensor.array.astype(np.float32)

    @property
    def parameter_count(self) -> int:
        return sum(int(t.array.size) for t in self.tensors.values())


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelError("hama container header is truncated")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def take_bytes(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise ModelError("hama container header is truncated")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk


def parse_hama(data: bytes) -> HamaContainer:
    """Parse the bytes of a `.hama` file; any inconsistency raises `ModelError`."""
    if data[: len(MAGIC)] != MAGIC:
        raise ModelError("not a hama container (bad magic bytes)")
    cursor = _Cursor(data)
    cursor.pos = len(MAGIC)
    version, kind, count = cursor.take("<BBI")
    if version != SUPPORTED_VERSION:
        raise ModelError(f"unsupported hama container version {version}")
    entries: list[tuple[str, np.dtype[np.floating], tuple[int, ...], int, int]] = []
    for _ in range(count):
        (name_length,) = cursor.take("<H")
        name = cursor.take_bytes(name_length).decode("utf-8")
        dtype_code, ndim = cursor.take("<BB")
        if dtype_code not in _DTYPES:
            raise ModelError(f"tensor {name!r} has unknown dtype code {dtype_code}")
        dims = cursor.take(f"<{ndim}I")
        offset, length = cursor.take("<QQ")
        entries.append((name, _DTYPES[dtype_code], dims, offset, length))
    base = -(-cursor.pos // DATA_ALIGNMENT) * DATA_ALIGNMENT
    tensors: dict[str, HamaTensor] = {}
    for name, dtype, dims, offset, length in entries:
        expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
        start = base + offset
        if length != expected or start + length > len(data):
            raise ModelError(f"tensor {name!r} does not fit the container (truncated file?)")
        array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=start)
        tensors[name] = HamaTensor(name=name, array=array.reshape(dims), offset=offset)
    return HamaContainer(version=version, kind=kind, tensors=tensors)


def read_hama(path: Path) -> HamaContainer:
    """Read and parse a `.hama` file."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ModelError(f"cannot read {path}: {err.strerror}") from err
    return parse_hama(data)


def packaged_asr_path() -> Path:
    """Where the installed `hama` package keeps its acoustic model weights."""
    try:
        asset = resources.files("hama.assets").joinpath("asr_waveform.hama")
    except ModuleNotFoundError as err:
        raise ModelError("the `hama` package is not installed: run `pip install hama`") from err
    path = Path(str(asset))
    if not path.is_file():
        raise ModelError(f"hama's acoustic model is missing at {path}")
    return path


def hama_tokens() -> list[str]:
    """The default model's 191 output tokens: hama's phoneme vocabulary, `<wb>`, `<blank>`."""
    from hama.vocab import Vocabulary

    return [*Vocabulary.load(None).decoder, "<wb>", "<blank>"]
