"""Settings: defaults, the layers (CLI > environment > config file > defaults), and errors
that name the option in one line."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_local_asr.cli.options import add_settings_arguments, settings_from_args
from wyoming_local_asr.config import ConfigError, Settings, load_settings


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser)
    return parser.parse_args(argv)


def test_defaults() -> None:
    settings = load_settings({}, environ={})
    assert settings == Settings()
    assert settings.uri == "tcp://0.0.0.0:10300"
    assert settings.model == "hama-conformer-ctc-en"
    assert settings.language == "en"
    assert settings.max_utterance_seconds == 600.0  # long dictation: at least 10 minutes
    assert settings.ops_port is None
    assert settings.zeroconf is False
    assert settings.allow_networks == ()
    assert settings.model_dir == settings.data_dir / "models" / "hama-conformer-ctc-en"
    assert settings.tokens_path == settings.data_dir / "tokens.json"


def test_default_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOCAL_ASR_DATA_DIR")  # set by conftest.py for every test
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().data_dir == tmp_path / "wyoming-local-asr"


def test_layers_in_order(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "language: en-US\nbeam: 16\nvad-aggressiveness: 1\ndenoise: false\n"
        "allow_networks: [192.168.1.0/24]\nvocabulary:\n  - turn on the lamp\n"
    )
    environ = {"LOCAL_ASR_BEAM": "32", "LOCAL_ASR_VAD_AGGRESSIVENESS": "2", "HOME": "/x"}
    args = parse(["--vad-aggressiveness", "3"])
    cli = {key: value for key, value in vars(args).items() if key != "config"}
    settings = load_settings(cli, environ=environ, config_path=config)
    assert settings.language == "en-US"  # file
    assert settings.beam == 32  # environment over file
    assert settings.vad_aggressiveness == 3  # command line over both
    assert settings.denoise is False
    assert settings.allow_networks == ("192.168.1.0/24",)
    assert settings.vocabulary == ("turn on the lamp",)


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"uri": "unix:///tmp/asr.sock", "ops_port": True}))
    settings = load_settings({}, environ={"LOCAL_ASR_CONFIG": str(config)})
    assert settings.uri == "unix:///tmp/asr.sock"
    assert settings.ops_port == 10301


def test_command_line_forms(tmp_path: Path) -> None:
    args = parse(
        [
            "--zeroconf",
            "--no-denoise",
            "--vad",
            "--ops-port",
            "--allow-network",
            "10.0.0.1/8",
            "--allow-network",
            "::1",
            "--max-utterance-seconds",
            "12.5",
            "--partial-interval",
            "0",
            "--model",
            str(tmp_path),
        ]
    )
    settings = load_settings(
        {key: value for key, value in vars(args).items() if key != "config"}, environ={}
    )
    assert settings.zeroconf is True and settings.zeroconf_name == ""
    assert settings.denoise is False and settings.vad is True
    assert settings.ops_port == 10301
    assert settings.allow_networks == ("10.0.0.0/8", "::1/128")
    assert settings.max_utterance_seconds == 12.5
    assert settings.partial_interval == 0.0
    assert settings.model_dir == tmp_path


@pytest.mark.parametrize(
    ("environ", "zeroconf", "name"),
    [
        ({"LOCAL_ASR_ZEROCONF": "yes"}, True, ""),
        ({"LOCAL_ASR_ZEROCONF": "off"}, False, ""),
        ({"LOCAL_ASR_ZEROCONF": "kitchen-asr"}, True, "kitchen-asr"),
    ],
)
def test_zeroconf_from_the_environment(environ: dict[str, str], zeroconf: bool, name: str) -> None:
    settings = load_settings({}, environ=environ)
    assert (settings.zeroconf, settings.zeroconf_name) == (zeroconf, name)


def test_zeroconf_name_on_the_command_line() -> None:
    settings = settings_from_args(parse(["--zeroconf", "living-room"]))
    assert settings.zeroconf and settings.zeroconf_name == "living-room"


@pytest.mark.parametrize(
    ("layer", "values", "expected"),
    [
        ("cli", {"vad_aggressiveness": "4"}, "--vad-aggressiveness (command line)"),
        ("cli", {"uri": "http://localhost:10300"}, "--uri"),
        ("cli", {"uri": "tcp://localhost"}, "--uri"),
        ("cli", {"device": "tpu"}, "--device"),
        ("cli", {"beam": "0"}, "--beam"),
        ("cli", {"max_utterance_seconds": "0"}, "--max-utterance-seconds"),
        ("cli", {"partial_interval": "-1"}, "--partial-interval"),
        ("cli", {"language": "English!"}, "--language"),
        ("cli", {"allow_networks": ["10.0.0.0/33"]}, "--allow-network"),
        ("cli", {"ops_port": "70000"}, "--ops-port"),
        ("cli", {"tls_cert": "/no/such/cert.pem"}, "--tls-cert"),
        ("env", {"LOCAL_ASR_THREADS": "many"}, "--threads (LOCAL_ASR_THREADS)"),
        ("env", {"LOCAL_ASR_DENOISE": "perhaps"}, "--denoise (LOCAL_ASR_DENOISE)"),
        ("env", {"LOCAL_ASR_ALLOW_NETWORK": "10.0.0.0/8, banana"}, "--allow-network"),
    ],
)
def test_invalid_values_name_the_option(
    layer: str, values: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        if layer == "cli":
            load_settings(values, environ={})
        else:
            load_settings({}, environ={str(k): str(v) for k, v in values.items()})
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("beam: -3\n", "--beam (config file"),
        ("denoise: maybe\n", "--denoise (config file"),
        ("colour: blue\n", "unknown option 'colour'"),
        ("roles:\n  operator: [model:fly]\n", "--roles (config file"),
        ("- a list\n", "must hold a mapping"),
        ("beam: [1, 2\n", "not valid YAML/JSON"),
    ],
)
def test_invalid_config_files(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, environ={}, config_path=config)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_roles_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("roles:\n  operator: [model:read, model:write]\n")
    settings = load_settings({}, environ={}, config_path=config)
    assert settings.roles == {"operator": ("model:read", "model:write")}


def test_rules_across_options(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(ConfigError, match="give both or neither"):
        load_settings({"tls_cert": str(cert)}, environ={})
    with pytest.raises(ConfigError, match="is the Wyoming port"):
        load_settings({"ops_port": "10300"}, environ={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings({}, environ={}, config_path=tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["serve", "--vad-aggressiveness", "9"], "--vad-aggressiveness"),
        (["--uri", "tcp://0.0.0.0:99999"], "--uri"),  # serve is the default command
        (["serve", "--language", "10", "--data-dir", "{tmp}"], "--language"),
        (["serve", "--model", "{tmp}/missing"], "--model"),
    ],
)
def test_cli_stops_with_one_line_and_exit_code_2(
    tmp_path: Path, argv: list[str], option: str
) -> None:
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    completed = subprocess.run(
        [sys.executable, "-m", "wyoming_local_asr", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert option in lines[0]
    assert "Traceback" not in completed.stderr
