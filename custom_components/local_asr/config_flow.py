"""Config flow: add a server by hand or from zeroconf; reconfigure, reauth and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .compat import OptionsFlowWithReload
from .const import (
    CONF_LANGUAGE,
    CONF_OPS_PORT,
    CONF_ROLE_ADMIN_USERS,
    CONF_ROLE_USER_USERS,
    CONF_USER_ROLES,
    CONF_VOCABULARY_SYNC,
    CONF_ZEROCONF_NAME,
    DEFAULT_OPS_PORT,
    DEFAULT_WYOMING_PORT,
    DOMAIN,
    LOGGER,
    ROLE_ADMIN,
    ROLE_USER,
)
from .coordinator import LocalAsrConfigEntry
from .discovery_cards import async_abort_core_cards, async_watch_core_cards
from .ops_client import OpsAuthError, OpsClient, OpsError, ServerInfo
from .wyoming_client import WyomingConnectionError, async_describe, our_program

_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))
_TOKEN = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


class _FlowError(Exception):
    """A form error (`errors["base"]`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def _async_validate(hass: HomeAssistant, data: Mapping[str, Any]) -> ServerInfo:
    """`describe` over Wyoming, then `/api/info` and the token over the operations API."""
    host: str = data[CONF_HOST]
    try:
        info = await async_describe(host, data[CONF_PORT])
    except WyomingConnectionError as error:
        LOGGER.debug("Cannot reach %s:%s: %s", host, data[CONF_PORT], error)
        raise _FlowError("cannot_connect") from error
    if our_program(info) is None:
        raise _FlowError("not_local_asr")
    client = OpsClient(
        async_get_clientsession(hass), host, data[CONF_OPS_PORT], data.get(CONF_TOKEN)
    )
    try:
        server = await client.info()
        await client.token_info()
    except OpsAuthError as error:
        raise _FlowError("invalid_auth") from error
    except OpsError as error:
        LOGGER.debug("Cannot reach the operations API of %s: %s", host, error)
        raise _FlowError("cannot_connect_ops") from error
    return server


def _entry_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        CONF_HOST: str(user_input[CONF_HOST]).strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_OPS_PORT: int(user_input[CONF_OPS_PORT]),
    }
    if token := str(user_input.get(CONF_TOKEN) or "").strip():
        data[CONF_TOKEN] = token
    if zeroconf_name := user_input.get(CONF_ZEROCONF_NAME):
        data[CONF_ZEROCONF_NAME] = str(zeroconf_name)
    return data


def _server_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Host, ports and token; the token never has a default (it would go to the browser)."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_WYOMING_PORT)): _PORT,
            vol.Required(
                CONF_OPS_PORT, default=defaults.get(CONF_OPS_PORT, DEFAULT_OPS_PORT)
            ): _PORT,
            vol.Optional(CONF_TOKEN): _TOKEN,
        }
    )


def _without_token(user_input: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A form's input to show again: everything but the token."""
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_TOKEN}


def _title(host: str) -> str:
    return f"Local ASR ({host})"


class LocalAsrConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds a wyoming-local-asr server."""

    VERSION = 1

    def __init__(self) -> None:
        self._discovered: dict[str, Any] = {}
        self._unwatch_core_cards: CALLBACK_TYPE | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: LocalAsrConfigEntry) -> LocalAsrOptionsFlow:
        return LocalAsrOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A server given by hand."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data(user_input)
            try:
                server = await _async_validate(self.hass, data)
            except _FlowError as error:
                errors["base"] = error.key
            else:
                await self.async_set_unique_id(server.server_id)
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(title=_title(data[CONF_HOST]), data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _server_schema({}), _without_token(user_input)
            ),
            errors=errors,
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """A `_wyoming._tcp` service: ours if its `describe` answer names our program."""
        host = discovery_info.host
        port = discovery_info.port
        if port is None:
            return self.async_abort(reason="not_local_asr")
        try:
            info = await async_describe(host, port)
        except WyomingConnectionError:
            return self.async_abort(reason="cannot_connect")
        if our_program(info) is None:
            # Another Wyoming service: Home Assistant's own wyoming integration handles it.
            return self.async_abort(reason="not_local_asr")
        announced_ops_port = discovery_info.properties.get("ops_port")
        ops_port = int(announced_ops_port or DEFAULT_OPS_PORT)
        service_name = discovery_info.name
        self._discovered = {
            CONF_HOST: host,
            CONF_PORT: port,
            CONF_OPS_PORT: ops_port,
            CONF_ZEROCONF_NAME: service_name,
        }
        # The server id is readable without a token unless the server requires one.
        server_id = discovery_info.properties.get("server_id")
        if not server_id:
            client = OpsClient(async_get_clientsession(self.hass), host, ops_port)
            try:
                server_id = (await client.info()).server_id
            except OpsError:
                server_id = None
        # Our card is the only one for this server: core's wyoming flow for it goes.
        async_abort_core_cards(self.hass, [service_name])
        if server_id:
            await self.async_set_unique_id(server_id)
            updates: dict[str, Any] = {
                CONF_HOST: host,
                CONF_PORT: port,
                CONF_ZEROCONF_NAME: service_name,
            }
            if announced_ops_port:
                updates[CONF_OPS_PORT] = ops_port
            self._abort_if_unique_id_configured(updates=updates)
        self.context["title_placeholders"] = {"name": service_name.split(".")[0]}
        # Core's card may still come after ours: it goes too while ours is open.
        self._unwatch_core_cards = async_watch_core_cards(self.hass, lambda: [service_name])
        return await self.async_step_zeroconf_confirm()

    @callback
    def async_remove(self) -> None:
        """The flow ends: stop watching for core's card."""
        if self._unwatch_core_cards is not None:
            self._unwatch_core_cards()
            self._unwatch_core_cards = None

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the discovered server (its operations port and a token if it needs one)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data({**self._discovered, **user_input})
            try:
                server = await _async_validate(self.hass, data)
            except _FlowError as error:
                errors["base"] = error.key
            else:
                await self.async_set_unique_id(server.server_id, raise_on_progress=False)
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(title=_title(data[CONF_HOST]), data=data)
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_OPS_PORT, default=self._discovered[CONF_OPS_PORT]): _PORT,
                    vol.Optional(CONF_TOKEN): _TOKEN,
                }
            ),
            description_placeholders={
                "host": self._discovered[CONF_HOST],
                "port": str(self._discovered[CONF_PORT]),
            },
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, ports or token of the server."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data(user_input)
            # An empty token field keeps the stored token (which the form never shows).
            if CONF_TOKEN not in data and entry.data.get(CONF_TOKEN):
                data[CONF_TOKEN] = entry.data[CONF_TOKEN]
            if entry.data.get(CONF_ZEROCONF_NAME):
                data[CONF_ZEROCONF_NAME] = entry.data[CONF_ZEROCONF_NAME]
            try:
                server = await _async_validate(self.hass, data)
            except _FlowError as error:
                errors["base"] = error.key
            else:
                await self.async_set_unique_id(server.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                return self.async_update_reload_and_abort(
                    entry, title=_title(data[CONF_HOST]), data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_server_schema(_without_token(user_input) or entry.data),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server rejected the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data({**entry.data, CONF_TOKEN: user_input.get(CONF_TOKEN)})
            try:
                server = await _async_validate(self.hass, data)
            except _FlowError as error:
                errors["base"] = error.key
            else:
                await self.async_set_unique_id(server.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_server")
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): _TOKEN}),
            description_placeholders={"title": entry.title},
            errors=errors,
        )


class LocalAsrOptionsFlow(OptionsFlowWithReload):
    """Language, vocabulary sync and which Home Assistant users hold which server role; saved
    options reload the entry (`OptionsFlowWithReload` where Home Assistant has it)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry: LocalAsrConfigEntry = self.config_entry
        if user_input is not None:
            roles: dict[str, str] = {}
            for user_id in user_input.get(CONF_ROLE_USER_USERS, []):
                roles[user_id] = ROLE_USER
            for user_id in user_input.get(CONF_ROLE_ADMIN_USERS, []):
                roles[user_id] = ROLE_ADMIN
            options: dict[str, Any] = {
                CONF_VOCABULARY_SYNC: bool(user_input.get(CONF_VOCABULARY_SYNC, False)),
                CONF_USER_ROLES: roles,
            }
            if language := user_input.get(CONF_LANGUAGE):
                options[CONF_LANGUAGE] = language
            return self.async_create_entry(data=options)

        languages = list(getattr(getattr(entry, "runtime_data", None), "languages", []))
        current = entry.options.get(CONF_LANGUAGE)
        if current and current not in languages:
            languages.append(current)
        users = [
            SelectOptionDict(value=user.id, label=user.name or user.id)
            for user in await self.hass.auth.async_get_users()
            if not user.system_generated and user.is_active
        ]
        roles = entry.options.get(CONF_USER_ROLES, {})
        language_key = (
            vol.Optional(CONF_LANGUAGE, default=current) if current else vol.Optional(CONF_LANGUAGE)
        )
        schema = vol.Schema(
            {
                language_key: SelectSelector(
                    SelectSelectorConfig(options=languages, custom_value=True)
                ),
                vol.Required(
                    CONF_VOCABULARY_SYNC,
                    default=entry.options.get(CONF_VOCABULARY_SYNC, False),
                ): BooleanSelector(),
                vol.Optional(
                    CONF_ROLE_ADMIN_USERS,
                    default=[uid for uid, role in roles.items() if role == ROLE_ADMIN],
                ): SelectSelector(SelectSelectorConfig(options=users, multiple=True)),
                vol.Optional(
                    CONF_ROLE_USER_USERS,
                    default=[uid for uid, role in roles.items() if role == ROLE_USER],
                ): SelectSelector(SelectSelectorConfig(options=users, multiple=True)),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
