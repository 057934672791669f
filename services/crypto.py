"""All cryptography of the host lives here and nowhere else.

- key files under ``keys/`` (mode 0600, never rewritten): the Fernet key ``.encryption_key`` and
  the session signing key ``.secret_key``; reading and creating are separate calls, because
  whether a missing key may be created is the data folder's decision (``services/data_dir.py``);
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


def read_key_file(path: Path) -> bytes | None:
    """The key stored at ``path``, or None when there is no such file.

    A key file that became readable by others is tightened back to 0600; an empty one is an error
    (a key that was truncated is as lost as a missing one, and must not be replaced silently).
    """
    try:
        data = path.read_bytes().strip()
    except FileNotFoundError:
        return None
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(KEY_FILE_MODE)
    if not data:
        raise ConfigurationError(f"Key file {path} is empty; restore it from your backup of keys/.")
    return data


def create_key_file(path: Path, make: bytes) -> bytes:
    """Store ``make`` at ``path`` (mode 0600, flushed to disk) and return it.

    ``O_EXCL`` makes creation race-free between processes: the loser reads the winner's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except FileExistsError:
        existing = read_key_file(path)
        if existing is None:  # deleted between the two calls: try once more
            return create_key_file(path, make)
        return existing
    with os.fdopen(fd, "wb") as handle:
        handle.write(make)
        handle.flush()
        os.fsync(handle.fileno())
    _sync_folder(path.parent)
    return make


def _sync_folder(folder: Path) -> None:
    """Make a new file's directory entry durable too (a power loss must not lose the key)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    def load(cls, keys_dir: Path) -> SecretBox | None:
        """The box of the install's key in ``keys_dir``, or None when the key file is missing."""
        key = read_key_file(keys_dir / ENCRYPTION_KEY_FILE)
        return None if key is None else cls(key)

    @classmethod
    def generate(cls, keys_dir: Path) -> SecretBox:
        """A box with a new key, stored in ``keys_dir``: only on a first run, when nothing was
        encrypted yet (``services/data_dir.py`` decides)."""
        return cls(create_key_file(keys_dir / ENCRYPTION_KEY_FILE, Fernet.generate_key()))

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


def read_session_key(keys_dir: Path) -> str | None:
    """The Flask session signing key kept in ``keys/``, or None when the file is missing."""
    key = read_key_file(keys_dir / SECRET_KEY_FILE)
    return None if key is None else key.decode("ascii")


def generate_session_key(keys_dir: Path) -> str:
    """A new session signing key, stored in ``keys/`` (sessions signed with an old one end)."""
    return create_key_file(keys_dir / SECRET_KEY_FILE, secrets.token_hex(32).encode("ascii")).decode("ascii")


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
