"""Config flow: add a server by hand or from zeroconf; reconfigure, reauth and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
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

from .const import (
    CONF_LANGUAGE,
    CONF_OPS_PORT,
    CONF_ROLE_ADMIN_USERS,
    CONF_ROLE_USER_USERS,
    CONF_USER_ROLES,
    CONF_VOCABULARY_SYNC,
    DEFAULT_OPS_PORT,
    DEFAULT_WYOMING_PORT,
    DOMAIN,
    LOGGER,
    ROLE_ADMIN,
    ROLE_USER,
)
from .coordinator import LocalAsrConfigEntry
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
    return data


def _server_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    token = defaults.get(CONF_TOKEN)
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_WYOMING_PORT)): _PORT,
            vol.Required(
                CONF_OPS_PORT, default=defaults.get(CONF_OPS_PORT, DEFAULT_OPS_PORT)
            ): _PORT,
            vol.Optional(CONF_TOKEN, default=token) if token else vol.Optional(CONF_TOKEN): _TOKEN,
        }
    )


def _title(host: str) -> str:
    return f"Local ASR ({host})"


class LocalAsrConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds a wyoming-local-asr server."""

    VERSION = 1

    def __init__(self) -> None:
        self._discovered: dict[str, Any] = {}

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
            data_schema=self.add_suggested_values_to_schema(_server_schema({}), user_input),
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
        ops_port = int(discovery_info.properties.get("ops_port") or DEFAULT_OPS_PORT)
        self._discovered = {CONF_HOST: host, CONF_PORT: port, CONF_OPS_PORT: ops_port}
        # The server id is readable without a token unless the server requires one.
        server_id = discovery_info.properties.get("server_id")
        if not server_id:
            client = OpsClient(async_get_clientsession(self.hass), host, ops_port)
            try:
                server_id = (await client.info()).server_id
            except OpsError:
                server_id = None
        if server_id:
            await self.async_set_unique_id(server_id)
            self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
        self.context["title_placeholders"] = {"name": discovery_info.name.split(".")[0]}
        return await self.async_step_zeroconf_confirm()

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
            data_schema=_server_schema(user_input or entry.data),
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


class LocalAsrOptionsFlow(OptionsFlow):
    """Language, vocabulary sync and which Home Assistant users hold which server role."""

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
