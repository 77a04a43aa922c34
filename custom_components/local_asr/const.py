"""Constants of the Local ASR integration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

DOMAIN: Final = "local_asr"
LOGGER = logging.getLogger(__package__)

# The `info` program name our server answers `describe` with.
PROGRAM_NAME: Final = "wyoming-local-asr"

CONF_OPS_PORT: Final = "ops_port"
# The server's zeroconf service name, once it was discovered (for `discovery_cards`).
CONF_ZEROCONF_NAME: Final = "zeroconf_name"
CONF_LANGUAGE: Final = "language"
CONF_VOCABULARY_SYNC: Final = "vocabulary_sync"
# Options: Home Assistant user id -> server role.
CONF_USER_ROLES: Final = "user_roles"
CONF_ROLE_ADMIN_USERS: Final = "admin_users"
CONF_ROLE_USER_USERS: Final = "user_users"

DEFAULT_WYOMING_PORT: Final = 10300
DEFAULT_OPS_PORT: Final = 10301
DEFAULT_LANGUAGE: Final = "en"

UPDATE_INTERVAL: Final = timedelta(seconds=30)
REQUEST_TIMEOUT: Final = 10.0
# Loading a model takes seconds on a Pi, and waits for a vocabulary build being swapped in.
MODEL_RELOAD_TIMEOUT: Final = 120.0
DESCRIBE_TIMEOUT: Final = 5.0

EVENT_TRANSCRIPT: Final = "local_asr_transcript"

SERVICE_RELOAD_MODEL: Final = "reload_model"
SERVICE_SET_VOCABULARY: Final = "set_vocabulary"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_PHRASES: Final = "phrases"

# The server's permissions (see the operations API) and its built-in roles.
PERMISSION_MODEL_READ: Final = "model:read"
PERMISSION_MODEL_WRITE: Final = "model:write"
PERMISSION_CONFIG_UPDATE: Final = "config:update"
PERMISSION_TRANSCRIBE: Final = "transcribe"
ROLE_ADMIN: Final = "admin"
ROLE_USER: Final = "user"
ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    ROLE_ADMIN: frozenset(
        {
            PERMISSION_MODEL_READ,
            PERMISSION_MODEL_WRITE,
            PERMISSION_CONFIG_UPDATE,
            PERMISSION_TRANSCRIBE,
        }
    ),
    ROLE_USER: frozenset({PERMISSION_MODEL_READ, PERMISSION_TRANSCRIBE}),
}
