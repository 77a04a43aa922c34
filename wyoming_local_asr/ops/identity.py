"""A stable id for this server installation, kept in the data directory."""

from __future__ import annotations

import uuid
from pathlib import Path

SERVER_ID_FILE = "server_id"


def server_id(data_dir: Path) -> str:
    """The uuid stored in `<data_dir>/server_id`, created on first use."""
    path = data_dir / SERVER_ID_FILE
    try:
        return str(uuid.UUID(path.read_text().strip()))
    except (FileNotFoundError, ValueError):
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    new_id = str(uuid.uuid4())
    path.write_text(new_id + "\n")
    return new_id
