from __future__ import annotations

import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from services.crypto import (
    Passwords,
    SecretBox,
    api_key_digest,
    create_key_file,
    generate_session_key,
    new_api_key,
    read_key_file,
    read_session_key,
)
from services.errors import ConfigurationError, SecretUnreadable, Unavailable


def test_key_files_are_created_private_and_kept(tmp_path: Path) -> None:
    box = SecretBox.generate(tmp_path)
    token = box.encrypt("s3cret")
    key_file = tmp_path / ".encryption_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # A second start reads the same key: old secrets stay readable.
    again = SecretBox.load(tmp_path)
    assert again is not None
    assert again.decrypt(token) == "s3cret"


def test_a_missing_key_is_reported_not_created(tmp_path: Path) -> None:
    assert SecretBox.load(tmp_path) is None
    assert read_session_key(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_session_secret_is_generated_once(tmp_path: Path) -> None:
    first = generate_session_key(tmp_path)
    assert read_session_key(tmp_path) == first
    # A second process that races to create it reads the winner's key.
    assert generate_session_key(tmp_path) == first
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "k"
    create_key_file(path, b"abc")
    path.chmod(0o644)
    assert read_key_file(path) == b"abc"
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_empty_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    (tmp_path / ".encryption_key").write_bytes(b"")
    with pytest.raises(ConfigurationError, match="is empty; restore it from your backup"):
        SecretBox.load(tmp_path)
    assert (tmp_path / ".encryption_key").read_bytes() == b""


def test_a_secret_from_another_key_is_an_error_not_a_blank(tmp_path: Path) -> None:
    token = SecretBox.generate(tmp_path / "one").encrypt("value")
    with pytest.raises(SecretUnreadable):
        SecretBox.generate(tmp_path / "two").decrypt(token)


def test_passwords_verify_only_the_right_password() -> None:
    passwords = Passwords()
    stored = passwords.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "wrong")
    assert not passwords.verify("not-a-hash", "wrong")


class _GatedHasher(PasswordHasher):
    """A hasher that holds every hash until the test opens the gate, counting how many run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.gate.wait(10)
        with self._lock:
            self.running -= 1
        return "$argon2id$fake"


def test_password_hashes_run_at_most_n_at_once_and_the_rest_wait_then_give_up() -> None:
    hasher = _GatedHasher()
    passwords = Passwords(max_concurrent=2, wait_s=0.2, hasher=hasher)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(passwords.hash("pw"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    while hasher.running < 2:
        threading.Event().wait(0.01)
    # Both slots are taken (128 MiB with real argon2): a third hash waits briefly, then is refused.
    with pytest.raises(Unavailable, match="busy"):
        passwords.hash("pw")
    with pytest.raises(Unavailable):
        passwords.verify("$argon2id$fake", "pw")
    hasher.gate.set()
    for thread in threads:
        thread.join(5)
    assert results == ["$argon2id$fake"] * 2 and hasher.peak == 2
    assert passwords.hash("pw") == "$argon2id$fake"  # the slots are free again


def test_api_keys_are_random_and_digests_stable() -> None:
    first, second = new_api_key(), new_api_key()
    assert first != second
    assert len(first) == 64
    assert api_key_digest(first) == api_key_digest(first) != api_key_digest(second)
