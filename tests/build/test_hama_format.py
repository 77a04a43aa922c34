"""The `.hama` container reader, on hama's real file and on containers written here."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from wyoming_local_asr.acoustic.errors import ModelError
from wyoming_local_asr.build.hama_format import packaged_asr_path, parse_hama, read_hama


def _container(tensors: dict[str, np.ndarray]) -> bytes:
    """A `.hama` file as the format describes it: header, 16-byte padding, aligned tensors."""
    header = b"HAMAPK" + struct.pack("<BBI", 1, 2, len(tensors))
    blobs, offset = [], 0
    for name, array in tensors.items():
        code = {np.dtype("<f4"): 0, np.dtype("<f2"): 1}[array.dtype]
        encoded = name.encode()
        header += struct.pack("<H", len(encoded)) + encoded + struct.pack("<BB", code, array.ndim)
        header += struct.pack(f"<{array.ndim}I", *array.shape)
        header += struct.pack("<QQ", offset, array.nbytes)
        blob = array.tobytes()
        blob += b"\0" * (-len(blob) % 16)
        blobs.append(blob)
        offset += len(blob)
    header += b"\0" * (-len(header) % 16)
    return header + b"".join(blobs)


def test_round_trip_of_a_written_container() -> None:
    tensors = {
        "a": np.arange(6, dtype="<f4").reshape(2, 3),
        "half": np.array([0.5, -2.0, 65504.0], dtype="<f2"),
        "onnx::MatMul_1": np.ones((3, 1), dtype="<f4"),
    }
    container = parse_hama(_container(tensors))
    assert list(container.tensors) == list(tensors)
    for name, array in tensors.items():
        np.testing.assert_array_equal(container.tensors[name].array, array)
        assert container.tensors[name].array.dtype == array.dtype
    assert container.float32("half").dtype == np.float32
    assert container.parameter_count == 6 + 3 + 3


def test_hama_asr_file_has_the_documented_tensors() -> None:
    container = read_hama(packaged_asr_path())
    assert (container.version, container.kind) == (1, 2)
    assert len(container.tensors) == 119
    assert container.tensors["mel_fb"].array.shape == (201, 80)
    assert container.tensors["stft_real_kernel"].array.shape == (201, 1, 400)
    assert container.tensors["onnx::MatMul_829"].array.shape == (144, 576)
    assert container.tensors["onnx::Conv_801"].array.shape == (144, 80, 3)
    assert container.tensors["acoustic_model.model.proj.weight"].array.shape == (191, 144, 1)
    assert container.tensors["onnx::MatMul_829"].array.dtype == np.float16
    assert container.parameter_count == 2_180_975


def test_data_block_alignment_is_honoured() -> None:
    """Bin 0 of the real STFT kernel is the Hann window itself: only right with the padding."""
    kernel = read_hama(packaged_asr_path()).float32("stft_real_kernel")
    n = np.arange(400)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / 400)
    np.testing.assert_allclose(kernel[0, 0], hann, atol=1e-6)
    # The mel filterbank is a set of non-negative triangles.
    mel = read_hama(packaged_asr_path()).float32("mel_fb")
    assert mel.min() >= 0 and (mel.sum(axis=0) > 0).all()


def test_damaged_containers_raise_model_error() -> None:
    good = _container({"w": np.ones((4, 4), dtype="<f4")})
    with pytest.raises(ModelError, match="magic"):
        parse_hama(b"NOTHAMA" + good[7:])
    with pytest.raises(ModelError, match="truncated"):
        parse_hama(good[:-20])
    with pytest.raises(ModelError, match="truncated"):
        parse_hama(good[:15])
    with pytest.raises(ModelError, match="no tensor"):
        parse_hama(good).float32("missing")
