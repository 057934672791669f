"""All cryptography of the host lives here and nowhere else.

- key files under ``keys/`` (created once with mode 0600, never rewritten): the Fernet key
  ``.encryption_key`` and the session signing key ``.secret_key``;
- ``SecretBox``: Fernet encryption of secrets at rest (secure variables, the API key copy that is
  injected into strategies);
- password hashing (argon2) and API-key digests (SHA-256 of a 256-bit random key: the key's own
  entropy makes a slow hash unnecessary, and verification stays fast on the order path).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

from services.errors import ConfigurationError, SecretUnreadable, Unavailable

ENCRYPTION_KEY_FILE = ".encryption_key"
SECRET_KEY_FILE = ".secret_key"  # noqa: S105 - a file name, not a secret
KEY_FILE_MODE = 0o600


def read_or_create_key_file(path: Path, make: bytes) -> bytes:
    """Return the key stored at ``path``, creating it with ``make`` (mode 0600) if absent.

    ``O_EXCL`` makes creation race-free between processes: the loser reads the winner's key.
    A key file that became readable by others is tightened back to 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except FileExistsError:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            path.chmod(KEY_FILE_MODE)
        data = path.read_bytes().strip()
        if not data:
            raise ConfigurationError(f"Key file {path} is empty; restore it from a backup") from None
        return data
    with os.fdopen(fd, "wb") as handle:
        handle.write(make)
        handle.flush()
        os.fsync(handle.fileno())
    return make


class SecretBox:
    """Encrypts and decrypts short secrets with the install's Fernet key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                "keys/.encryption_key is not a valid Fernet key; restore it from a backup"
            ) from exc

    @classmethod
    def from_keys_dir(cls, keys_dir: Path) -> SecretBox:
        return cls(read_or_create_key_file(keys_dir / ENCRYPTION_KEY_FILE, Fernet.generate_key()))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError) as exc:
            # Never wipe or replace the value: the trader must see that a key went missing.
            raise SecretUnreadable(
                "A stored secret cannot be decrypted with keys/.encryption_key "
                "(was the key file replaced?). Restore the key or set the secret again."
            ) from exc


def session_secret_key(keys_dir: Path) -> str:
    """The Flask session signing key, generated on first start and kept in ``keys/``."""
    return read_or_create_key_file(keys_dir / SECRET_KEY_FILE, secrets.token_hex(32).encode("ascii")).decode(
        "ascii"
    )


class Passwords:
    """argon2id password hashing with the library's recommended parameters.

    Each hash or verification takes 64 MiB for a moment, so at most ``max_concurrent`` run at
    once: a flood of logins or setups waits for a slot (``wait_s`` at most, then Unavailable)
    instead of growing the host's memory without bound.
    """

    def __init__(
        self, max_concurrent: int = 2, wait_s: float = 5.0, hasher: PasswordHasher | None = None
    ) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._wait_s = wait_s
        self._dummy: str | None = None

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait_s):
            raise Unavailable("The host is busy checking other passwords. Try again in a moment.")
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        with self._slot():
            return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        with self._slot():
            try:
                return self._hasher.verify(stored_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    def dummy_verify(self) -> None:
        """Spend the time of one verification, so unknown users and wrong passwords look alike."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_hex(16))
        self.verify(self._dummy, "not-the-password")


def new_api_key() -> str:
    """A fresh API key: 64 hex characters, as OpenAlgo's."""
    return secrets.token_hex(32)


def api_key_digest(api_key: str) -> str:
    """The stored, comparable form of an API key."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def digests_match(left: str, right: str) -> bool:
    return hmac.compare_digest(left, right)
