"""docker/compose.yaml and the README as an operator relies on them: every setting passed through, the config folder
mounted, the gateway and the Wyoming server published on 127.0.0.1 only (TLS in front), the example
prompts file valid. (Parsed as YAML: no Docker needed.)"""

from __future__ import annotations

from typing import Any

import yaml

from dialog.prompts import load_prompts, written_left_default
from telephony.settings import Settings
from tests.support.paths import REPO_ROOT

DOCKER = REPO_ROOT / "docker"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_every_setting_reaches_the_gateway_and_the_speaker_server() -> None:
    services = compose()["services"]
    expected = {f"INFOLINIA_{name.upper()}" for name in Settings.model_fields}
    for name in ("gateway", "wyoming"):
        assert expected - set(services[name]["environment"]) == set(), name


def test_the_config_folder_is_mounted_read_only() -> None:
    services = compose()["services"]
    for name in ("gateway", "wyoming"):
        assert "${INFOLINIA_CONFIG_DIR:-./config}:/config:ro" in services[name]["volumes"]
    assert (DOCKER / "config").is_dir()


def test_plain_http_and_wyoming_are_published_on_localhost_only() -> None:
    services = compose()["services"]
    assert services["gateway"]["ports"] == ["127.0.0.1:8080:8080"]
    assert services["wyoming"]["ports"] == ["127.0.0.1:10700:10700"]
    assert "infolinia wyoming --uri tcp://0.0.0.0:10700" in services["wyoming"]["command"][-1]
    assert set(services["caddy"]["ports"]) == {"80:80", "443:443"}  # TLS in front
    assert "reverse_proxy gateway:8080" in (DOCKER / "Caddyfile").read_text(encoding="utf-8")


def test_the_example_prompts_file_is_valid() -> None:
    prompts = load_prompts(DOCKER / "config" / "prompts.example.yaml")
    assert prompts.brand == "Zielony Ogród" and "RODO_NOTICE" in prompts.texts
    assert written_left_default(prompts.texts) is None  # the chat's variants come with the spoken ones
    assert prompts.texts["GREETING_WRITTEN"] == "Witamy w Zielonym Ogrodzie. Na czacie odpowiada automatyczny asystent."


def test_every_setting_is_in_the_readme_settings_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`INFOLINIA_{n.upper()}`" not in readme]
    assert missing == []
