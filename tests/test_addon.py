"""The add-on follows Home Assistant's add-on conventions and matches the server it runs."""

import re
from pathlib import Path

import yaml

from wyoming_local_asr import __version__
from wyoming_local_asr.audio.rnnoise import PYRNNOISE_REQUIREMENT
from wyoming_local_asr.cli import subcommand_parsers

ROOT = Path(__file__).parents[1]
ADDON = ROOT / "addon"
SERVICE = ADDON / "rootfs/etc/s6-overlay/s6-rc.d/local-asr"


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


def _dockerfile_args() -> dict[str, str]:
    dockerfile = (ADDON / "Dockerfile").read_text()
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, flags=re.MULTILINE))


def test_the_dockerfile_carries_the_build_defaults() -> None:
    # build.yaml is no longer read: the base, the version and the pins are ARG defaults.
    assert not (ADDON / "build.yaml").exists()
    args = _dockerfile_args()
    assert args["BUILD_FROM"] == "ghcr.io/home-assistant/base-debian:trixie"
    assert args["BUILD_VERSION"] == __version__
    assert args["PYRNNOISE_REQUIREMENT"] == PYRNNOISE_REQUIREMENT


def test_the_same_rnnoise_wheel_everywhere() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    version = re.search(r'^PYRNNOISE_VERSION="(.+)"$', bootstrap, flags=re.MULTILINE)
    assert version and f"pyrnnoise=={version.group(1)}" == PYRNNOISE_REQUIREMENT


def test_the_supervisor_builds_the_image_locally() -> None:
    # An `image:` makes the Supervisor pull it; nothing publishes one.
    assert "image" not in _config()


def test_user_models_live_in_addon_config_and_state_in_data() -> None:
    config = _config()
    assert "addon_config" in config["map"]  # type: ignore[operator]
    # The default model is in the image; nothing under /data can be rebuilt, so nothing is
    # excluded from backups (a model dir without its graph cannot be restored).
    assert "backup_exclude" not in config
    run = (SERVICE / "run").read_text()
    assert '--data-dir "${data_dir}"' in run and 'readonly data_dir="/data"' in run


def test_every_option_reaches_the_run_script() -> None:
    run = (SERVICE / "run").read_text()
    options = _config()["options"]
    assert isinstance(options, dict)
    unused = [key for key in options if f"'{key}'" not in run]
    assert not unused, f"options the run script ignores: {unused}"


def test_the_service_follows_the_s6_overlay_layout() -> None:
    assert (SERVICE / "dependencies.d" / "base").is_file()
    assert (SERVICE / "type").read_text().strip() == "longrun"
    for script in ("run", "finish"):
        assert (SERVICE / script).stat().st_mode & 0o111, f"{script} is not executable"
    finish = (SERVICE / "finish").read_text()
    assert "/run/s6-linux-init-container-results/exitcode" in finish
    assert "/run/s6/basedir/bin/halt" in finish


def test_icon_and_logo_are_png_images() -> None:
    for name in ("icon.png", "logo.png"):
        assert (ADDON / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_run_script_uses_only_real_serve_options() -> None:
    # The serve command and the flags it is given (the `token` command has its own options).
    script = (SERVICE / "run").read_text()
    serve_command = script[script.index("exec wyoming-local-asr serve") :]
    run = serve_command + "".join(re.findall(r"flags\+=\(.*\)", script))
    serve = subcommand_parsers()["serve"]
    known = {option for action in serve._actions for option in action.option_strings}
    used = {word.strip("'\"") for word in run.split() if word.strip("'\"").startswith("--")}
    assert used, "the run script passes no options"
    assert used <= known, f"unknown serve options in the add-on: {sorted(used - known)}"


def test_a_release_publishes_the_version_the_addon_installs() -> None:
    # Without a checkout's sdist, the Supervisor's build installs the add-on's version from
    # PyPI: a tag must check that every version agrees, test, and only then publish.
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads `on` as True
    test, publish = workflow["jobs"]["test"], workflow["jobs"]["publish"]
    checks = " ".join(step.get("run", "") for step in test["steps"])
    assert "addon/config.yaml" in checks and "pyproject.toml" in checks
    assert "./scripts/test" in checks
    assert publish["needs"] == "test"
    assert publish["permissions"] == {"id-token": "write"}
    assert any("pypi-publish" in step.get("uses", "") for step in publish["steps"])
    assert "wyoming-local-asr==${BUILD_VERSION}" in (ADDON / "Dockerfile").read_text()
