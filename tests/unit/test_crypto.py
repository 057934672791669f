from __future__ import annotations

from pathlib import Path

import pytest

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
from services.errors import ConfigurationError, SecretUnreadable


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


def test_api_keys_are_random_and_digests_stable() -> None:
    first, second = new_api_key(), new_api_key()
    assert first != second
    assert len(first) == 64
    assert api_key_digest(first) == api_key_digest(first) != api_key_digest(second)
