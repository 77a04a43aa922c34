"""The add-on follows Home Assistant's add-on conventions and matches the server it runs."""

from pathlib import Path

import yaml

from wyoming_local_asr import __version__
from wyoming_local_asr.cli import subcommand_parsers

ADDON = Path(__file__).parents[1] / "addon"


def _config() -> dict[str, object]:
    config = yaml.safe_load((ADDON / "config.yaml").read_text())
    assert isinstance(config, dict)
    return config


def test_config_declares_wyoming_discovery_and_port() -> None:
    config = _config()
    assert config["discovery"] == ["wyoming"]
    assert "10300/tcp" in config["ports"]  # type: ignore[operator]
    assert set(config["arch"]) == {"aarch64", "amd64"}  # type: ignore[arg-type]
    assert config["init"] is False
    assert config["version"] == __version__


def test_every_option_has_a_schema_and_a_translation() -> None:
    config = _config()
    options, schema = config["options"], config["schema"]
    assert isinstance(options, dict) and isinstance(schema, dict)
    assert set(options) == set(schema)
    translations = yaml.safe_load((ADDON / "translations" / "en.yaml").read_text())
    assert set(translations["configuration"]) == set(options)


def test_build_args_match_the_package_version() -> None:
    build = yaml.safe_load((ADDON / "build.yaml").read_text())
    assert build["args"]["LOCAL_ASR_VERSION"] == __version__
    assert set(build["build_from"]) == set(_config()["arch"])  # type: ignore[arg-type]


def test_run_script_uses_only_real_serve_options() -> None:
    run = (ADDON / "rootfs/etc/s6-overlay/s6-rc.d/local-asr/run").read_text()
    serve = subcommand_parsers()["serve"]
    known = {option for action in serve._actions for option in action.option_strings}
    used = {word.strip("'\"") for word in run.split() if word.strip("'\"").startswith("--")}
    assert used, "the run script passes no options"
    assert used <= known, f"unknown serve options in the add-on: {sorted(used - known)}"
