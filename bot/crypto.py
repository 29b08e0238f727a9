"""Keyed hashes for channel ids and authenticated encryption for sensitive fields.

safety.md, "What is not stored": channel user ids are stored as keyed hashes (HMAC with the
deployment's secret), and sensitive fields are encrypted with a well-kept library. Sub-keys are
derived from one secret with HKDF so the hash key and the encryption key are never the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config import Settings

log = logging.getLogger(__name__)


class SecretError(Exception):
    """No usable secret (production without SECRET_KEY, an unreadable key file, or a key that
    does not open this database)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class Secrets:
    def __init__(self, master: str) -> None:
        raw = master.encode("utf-8")
        self._hash_key = _derive(raw, b"binhan/hash-ids/v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"binhan/encrypt/v1")))

    @property
    def hash_key(self) -> bytes:
        return self._hash_key

    def adopt_hash_key(self, key: bytes) -> None:
        """Use the database's own pseudonym key (kept encrypted in it), so ids keep their
        pseudonyms when the secret is rotated."""
        self._hash_key = key

    def hash_id(self, channel: str, raw_id: str | int) -> str:
        """A stable pseudonym for a channel id: the same person keeps one conversation key."""
        digest = hmac.new(self._hash_key, f"{channel}:{raw_id}".encode(), hashlib.sha256)
        return f"{channel}:{digest.hexdigest()[:32]}"

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Raises ``InvalidToken`` on a wrong key or tampered data: never returns garbage."""
        return self._fernet.decrypt(token)


def load_secrets(settings: Settings) -> Secrets:
    """SECRET_KEY if set; otherwise (development only) a key file created once with mode 0600."""
    if settings.secret_key:
        return Secrets(settings.secret_key)
    if settings.production:
        raise SecretError("PRODUCTION is set: SECRET_KEY must be given explicitly")
    path: Path = settings.secret_key_file
    if path.exists():
        if path.stat().st_mode & 0o077:
            # Readable by others on the machine: anyone there could read every sealed field.
            if settings.production:
                raise SecretError(f"{path} is readable by group or others: chmod 600 it")
            log.warning("the secret key file is readable by group or others: chmod 600 it")
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise SecretError(f"{path} does not hold a usable key")
        return Secrets(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.warning("created a development secret key file (mode 0600); set SECRET_KEY in production")
    return Secrets(key)


__all__ = ["InvalidToken", "SecretError", "Secrets", "load_secrets"]
