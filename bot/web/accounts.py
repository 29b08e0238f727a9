"""Console accounts: roles, one-time setup links, Argon2 passwords and a TOTP second factor.

Why these pieces: a leaked database must not give away passwords (Argon2id, argon2-cffi), a
leaked password alone must not open the console (TOTP, pyotp, any authenticator app), and an
admin never learns a colleague's password (the colleague sets it through a one-time link).
"""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.crypto import Secrets
from bot.storage import SqliteUnitOfWork, WebAccountRecord, WebAccountRepository
from handlers.staff import Role  # one role ladder for every staff channel

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown name as slow as for a real one.
_DUMMY_HASH = _hasher.hash("binhan-no-such-account")


@dataclass(frozen=True)
class Account:
    """A logged-in staff member, as the console's handlers see them."""

    login: str
    staff_key: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """How the audit log names them (the same form as the Telegram desk)."""
        return f"{self.name} ({self.role.label})"

    @classmethod
    def of(cls, record: WebAccountRecord) -> Account:
        return cls(record.login, record.staff_key, record.name, Role.parse(record.role))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name="Binh An")


def totp_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step a code belongs to (this one or the one either side), or None if wrong."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if pysecrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def setup_hash(secrets: Secrets, token: str) -> str:
    return secrets.hash_id("web-setup", token)


def staff_key_for(secrets: Secrets, login: str, telegram_id: int | None) -> str:
    """A console account linked to a Telegram staff member shares their key (one person, one
    holder of a case); a console-only account gets a key of its own."""
    if telegram_id is not None:
        return secrets.hash_id("staff", telegram_id)
    return secrets.hash_id("staff-web", login)


async def create_account(
    uow: SqliteUnitOfWork, secrets: Secrets, login: str, name: str, role: Role,
    lifetime: dt.timedelta, now: dt.datetime, telegram_id: int | None = None,
) -> str:
    """Create (or reset) an account; the one-time setup token, shown once and stored hashed."""
    token = pysecrets.token_urlsafe(32)
    await WebAccountRepository(uow.store).add(
        login, staff_key_for(secrets, login, telegram_id), name, role.label,
        setup_hash(secrets, token), now + lifetime, now)
    await uow.audit.record("admin (cli)", f"web_account_add:{role.label}", now)
    return token


def setup_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/setup/{token}"


def valid_login(login: str) -> bool:
    return 2 <= len(login) <= 32 and all(ch.isalnum() or ch in "._-" for ch in login)
