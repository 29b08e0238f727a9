"""Configuration: defaults run with nothing set; wrong values fail with the setting's name."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.crypto import SecretError, load_secrets


def test_defaults_need_no_configuration(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.default_language == "vi" and settings.session_idle_minutes == 30


@pytest.mark.parametrize(
    ("name", "value"),
    [("SESSION_IDLE_MINUTES", "0"), ("DEFAULT_LANGUAGE", "fr"), ("PRODUCTION", "maybe"),
     ("SECRET_KEY", "short")],
)
def test_wrong_values_name_the_setting(monkeypatch, tmp_path, name: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert name in str(caught.value)


def test_cli_reports_configuration_problems(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFAULT_LANGUAGE", "klingon")
    assert main(["where", "ha noi"]) == 2
    assert "DEFAULT_LANGUAGE" in capsys.readouterr().err


def test_production_refuses_to_start_without_a_key(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRODUCTION", "true")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SecretError):
        load_secrets(load_settings())
    assert not (tmp_path / "var").exists()
