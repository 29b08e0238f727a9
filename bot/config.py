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
    # postgresql://user:password@host/db: a shared PostgreSQL for several workers; unset: the
    # SQLite file at DATABASE_PATH.
    database_url: str | None = Field(default=None, pattern=r"^postgres(ql)?://", repr=False)
    knowledge_dir: Path | None = None
    secret_key: str | None = Field(default=None, min_length=32, repr=False)
    secret_key_file: Path = Field(default=Path("var/binhan.key"))
    production: bool = False
    default_language: str = Field(default="vi", pattern=r"^(vi|en)$")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    flood_burst: int = Field(default=8, ge=1, le=1000)
    flood_per_minute: float = Field(default=30.0, gt=0, le=6000)
    retention_session_hours: int = Field(default=24, ge=1, le=24 * 30)
    retention_closed_case_days: int = Field(default=90, ge=1, le=3650)
    retention_message_days: int = Field(default=7, ge=1, le=365)
    retention_audit_days: int = Field(default=730, ge=30, le=3650)
    log_level: str = Field(default="WARNING", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    telegram_bot_token: str | None = Field(default=None, repr=False)
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = Field(
        default=None, min_length=8, max_length=256, pattern=r"^[A-Za-z0-9_-]+$", repr=False
    )
    telegram_webhook_listen: str = Field(default="127.0.0.1:8443", pattern=r"^[^:]+:[0-9]{1,5}$")

    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: str | None = Field(default=None, repr=False)
    zalo_oa_secret_key: str | None = Field(default=None, repr=False)
    zalo_oa_access_token: str | None = Field(default=None, repr=False)
    zalo_oa_refresh_token: str | None = Field(default=None, repr=False)
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_oa_webhook_path: str = Field(default="/zalo/oa", pattern=r"^/")
    # Zalo: free replies within 48 h of the person's last message, billed up to 7 days, then
    # none; staff may write until this many hours (just under 7 days, for clock skew).
    zalo_oa_window_hours: float = Field(default=167, gt=0, le=24 * 7)
    # Zalo's refresh token is single-use: a crash between Zalo's answer and our commit loses
    # the pair, so the keep-alive waits this long after a start before its first rotation (a
    # restart loop must not spend the token again and again).
    zalo_oa_keep_alive_delay_seconds: float = Field(default=60.0, ge=0)

    zalo_bot_token: str | None = Field(default=None, repr=False)
    zalo_bot_api_url: str = "https://bot-api.zaloplatforms.com/bot"
    zalo_bot_webhook_url: str | None = None
    zalo_bot_webhook_secret: str | None = Field(default=None, min_length=8, max_length=256,
                                                repr=False)
    zalo_bot_webhook_path: str = Field(default="/zalo/bot", pattern=r"^/")
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
    telegram_per_chat_interval: float = Field(default=1.05, ge=0, le=60)
    telegram_per_second: int = Field(default=28, ge=1, le=1000)

    # -- the staff web console (bot.web) -----------------------------------------------------
    web_listen: str | None = Field(default=None, pattern=r"^[^:]+:[0-9]{1,5}$")
    web_public_url: str | None = Field(default=None, pattern=r"^https?://[^/]+")
    web_secure_cookies: bool = True
    web_setup_hours: int = Field(default=24, ge=1, le=24 * 14)
    web_session_hours: int = Field(default=12, ge=1, le=24 * 7)
    web_login_attempts: int = Field(default=5, ge=1, le=100)
    web_login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _complete(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
        if self.zalo_bot_webhook_url and not self.zalo_bot_webhook_secret:
            raise ValueError("ZALO_BOT_WEBHOOK_URL needs ZALO_BOT_WEBHOOK_SECRET")
        oa = [self.zalo_oa_app_id, self.zalo_oa_app_secret, self.zalo_oa_secret_key,
              self.zalo_oa_access_token, self.zalo_oa_refresh_token]
        if any(oa) and not all(oa):
            raise ValueError("Zalo OA needs ZALO_OA_APP_ID, ZALO_OA_APP_SECRET, "
                             "ZALO_OA_SECRET_KEY, ZALO_OA_ACCESS_TOKEN and ZALO_OA_REFRESH_TOKEN")
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
