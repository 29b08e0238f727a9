"""Settings, from the environment and an optional ``.env`` file (pydantic-settings).

Every setting has an embedded default that runs the terminal chat on SQLite with the bundled
knowledge base, so ``make run`` needs no configuration at all. ``.env.example`` documents each one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.roster import parse_schedule


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_path: Path = Field(default=Path("var/binhan.db"))
    knowledge_dir: Path | None = None
    secret_key: str | None = Field(default=None, min_length=32, repr=False)
    secret_key_file: Path = Field(default=Path("var/binhan.key"))
    production: bool = False
    default_language: str = Field(default="vi", pattern=r"^(vi|en)$")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    log_level: str = Field(default="WARNING", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    telegram_bot_token: str | None = Field(default=None, repr=False)
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = Field(
        default=None, min_length=8, max_length=256, pattern=r"^[A-Za-z0-9_-]+$", repr=False
    )
    telegram_webhook_listen: str = Field(default="127.0.0.1:8443", pattern=r"^[^:]+:[0-9]{1,5}$")
    staff_chat_id: int | None = None
    oncall_schedule: str | None = None

    @field_validator("oncall_schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        parse_schedule(value)  # raises ValueError naming the wrong entry
        return value
    escalate_after_seconds: int = Field(default=180, ge=10, le=24 * 3600)
    escalate_repeat_seconds: int = Field(default=180, ge=10, le=24 * 3600)
    invite_hours: int = Field(default=72, ge=1, le=24 * 30)
    telegram_per_chat_interval: float = Field(default=1.0, ge=0, le=60)
    telegram_per_second: int = Field(default=30, ge=1, le=1000)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
        return self


class ConfigError(Exception):
    """A setting has a wrong value; the message names each and says what is expected."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for item in exc.errors():
            name = str(item["loc"][0]).upper() if item["loc"] else "Settings"
            lines.append(f"{name}: {item['msg']}")
        raise ConfigError("Configuration problem:\n  " + "\n  ".join(lines)) from None
