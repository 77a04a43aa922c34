"""TLS for the Wyoming port and the operations API: TLS 1.3 only."""

from __future__ import annotations

import ssl
from pathlib import Path


def server_ssl_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server context that speaks TLS 1.3 and nothing older.

    TLS 1.3 allows only AEAD cipher suites (AES-GCM, ChaCha20-Poly1305), so no weak cipher
    can be negotiated. Raises OSError/ssl.SSLError for a missing or mismatched cert and key.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    context.options |= ssl.OP_NO_COMPRESSION
    context.load_cert_chain(certfile=cert_file, keyfile=key_file)
    return context
