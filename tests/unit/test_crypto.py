from __future__ import annotations

from pathlib import Path

import pytest

from services.crypto import (
    Passwords,
    SecretBox,
    api_key_digest,
    new_api_key,
    read_or_create_key_file,
    session_secret_key,
)
from services.errors import SecretUnreadable


def test_key_files_are_created_private_and_kept(tmp_path: Path) -> None:
    box = SecretBox.from_keys_dir(tmp_path)
    token = box.encrypt("s3cret")
    key_file = tmp_path / ".encryption_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # A second start reads the same key: old secrets stay readable.
    assert SecretBox.from_keys_dir(tmp_path).decrypt(token) == "s3cret"


def test_session_secret_is_generated_once(tmp_path: Path) -> None:
    first = session_secret_key(tmp_path)
    assert session_secret_key(tmp_path) == first
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "k"
    read_or_create_key_file(path, b"abc")
    path.chmod(0o644)
    assert read_or_create_key_file(path, b"other") == b"abc"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_secret_from_another_key_is_an_error_not_a_blank(tmp_path: Path) -> None:
    token = SecretBox.from_keys_dir(tmp_path / "one").encrypt("value")
    with pytest.raises(SecretUnreadable):
        SecretBox.from_keys_dir(tmp_path / "two").decrypt(token)


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
