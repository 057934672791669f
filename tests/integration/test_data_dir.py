"""A start never silently replaces what an earlier run kept: a lost encryption key, a lost or
corrupt database stop the start with a message that says what to do (services/data_dir.py).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from pathlib import Path

import pytest

from app import create_app
from services.errors import ConfigurationError
from tests.support.apps import build_app, csrf_token, host_of, make_settings, post_json, set_up_admin
from tests.support.live_server import LiveServer
from tests.support.net import free_port

HTML = {"Accept": "text/html"}
SCRIPT = b"import time\nprint('hello')\n"


def _db_file(data_dir: Path) -> Path:
    return data_dir / "db" / "openalgo.db"


def _used_install(data_dir: Path, *, secure: bool = True) -> None:
    """A host that ran: an admin with an API key, a strategy and (optionally) a secret; stopped."""
    app = build_app(data_dir)
    try:
        client = app.test_client()
        set_up_admin(client)
        upload = client.post(
            "/python/upload",
            data={"name": "demo", "file": (io.BytesIO(SCRIPT), "demo.py")},
            headers={"X-CSRFToken": csrf_token(client)},
        )
        assert upload.status_code == 201, upload.get_data(as_text=True)
        if secure:
            strategy_id = upload.get_json()["data"]["id"]
            secret = {"regular": {}, "secure": {"TOKEN": "t0p"}}
            saved = post_json(client, f"/python/env/{strategy_id}", secret)
            assert saved.status_code == 200, saved.get_data(as_text=True)
    finally:
        host_of(app).shutdown()


def _remove_database(data_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_db_file(data_dir)}{suffix}").unlink(missing_ok=True)


def _refusal(data_dir: Path, **kwargs: bool) -> str:
    with pytest.raises(ConfigurationError) as refused:
        create_app(make_settings(data_dir), **kwargs)
    return refused.value.message


# --- 1. keys/.encryption_key -----------------------------------------------------------------


def test_a_missing_encryption_key_stops_the_start_instead_of_making_secrets_unreadable(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir)
    key = data_dir / "keys" / ".encryption_key"
    key.unlink()

    message = _refusal(data_dir)

    assert str(key) in message
    assert "cannot be read without it" in message
    assert "backup of keys/" in message
    assert "1 account, 1 encrypted API key, 1 encrypted secure variable" in message
    assert not key.exists()  # no new key that would hide the loss


def test_the_encryption_key_is_created_again_while_nothing_was_encrypted_with_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    host_of(build_app(data_dir)).shutdown()  # a first run that never got its admin
    (data_dir / "keys" / ".encryption_key").unlink()

    app = build_app(data_dir)
    try:
        assert (data_dir / "keys" / ".encryption_key").stat().st_mode & 0o777 == 0o600
        assert app.test_client().get("/auth/setup", headers=HTML).status_code == 200
    finally:
        host_of(app).shutdown()


def test_a_missing_session_key_is_recreated_and_the_log_says_everyone_must_log_in_again(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)
    old_key = (data_dir / "keys" / ".secret_key").read_bytes()
    (data_dir / "keys" / ".secret_key").unlink()

    app = build_app(data_dir)
    try:
        assert (data_dir / "keys" / ".secret_key").read_bytes() != old_key
        log_text = (data_dir / "log" / "app.log").read_text()
        assert "was missing: created a new one, so everyone signed in must log in again" in log_text
        # Only sessions are lost: the admin's API key is still readable.
        assert host_of(app).api_keys.primary() is not None
    finally:
        host_of(app).shutdown()


# --- 2. a database missing next to earlier data ----------------------------------------------


@pytest.mark.parametrize("left_behind", ["scripts", "keys"])
def test_a_missing_database_next_to_earlier_data_does_not_reopen_setup(
    tmp_path: Path, left_behind: str
) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)
    _remove_database(data_dir)
    if left_behind == "keys":
        shutil.rmtree(data_dir / "strategies" / "scripts")
    else:
        for key in (data_dir / "keys").glob(".*_key"):
            key.unlink()

    message = _refusal(data_dir)

    assert str(_db_file(data_dir)) in message
    assert "first visitor of /auth/setup" in message
    assert "--init" in message
    assert not _db_file(data_dir).exists()  # nothing was created


def test_init_starts_a_new_database_on_purpose(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)
    _remove_database(data_dir)

    app = create_app(make_settings(data_dir), init=True)
    try:
        assert app.test_client().get("/auth/setup", headers=HTML).status_code == 200
        assert (data_dir / "log" / "app.log").read_text().count("--init: a new, empty database") == 1
    finally:
        host_of(app).shutdown()


def test_init_never_replaces_an_existing_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)

    app = create_app(make_settings(data_dir), init=True)
    try:
        assert app.test_client().get("/auth/setup", headers=HTML).status_code == 302  # admin kept
        assert "--init ignored: the database already exists" in (data_dir / "log" / "app.log").read_text()
    finally:
        host_of(app).shutdown()


def test_a_refused_start_leaves_no_log_handler_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)
    _remove_database(data_dir)
    handlers = list(logging.getLogger().handlers)
    _refusal(data_dir)
    assert logging.getLogger().handlers == handlers


# --- 3. a corrupt database -------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [os.urandom(4096), b"SQLite format 3\x00" + os.urandom(8192)],
    ids=["garbage", "garbage-after-a-sqlite-header"],
)
def test_a_corrupt_database_is_refused_and_left_as_it_was(tmp_path: Path, garbage: bytes) -> None:
    data_dir = tmp_path / "data"
    _db_file(data_dir).parent.mkdir(parents=True)
    _db_file(data_dir).write_bytes(garbage)

    message = _refusal(data_dir)

    assert str(_db_file(data_dir)) in message
    assert "Restore it from your backup" in message
    assert _db_file(data_dir).read_bytes() == garbage
    assert sorted(p.name for p in _db_file(data_dir).parent.iterdir()) == [".gitignore", "openalgo.db"]


# --- the served host: `python app.py` --------------------------------------------------------


@pytest.mark.parametrize("broken", ["encryption-key", "database-missing", "database-corrupt"])
def test_the_served_host_refuses_with_one_readable_line_and_exit_code_2(tmp_path: Path, broken: str) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir)
    if broken == "encryption-key":
        (data_dir / "keys" / ".encryption_key").unlink()
    elif broken == "database-missing":
        _remove_database(data_dir)
    else:
        _remove_database(data_dir)
        _db_file(data_dir).write_bytes(b"\x00not a database" * 100)

    server = LiveServer(data_dir, free_port())
    code = server.run_until_exit()

    output = server.output().strip()
    assert code == 2, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert str(data_dir) in output


def test_python_app_py_init_serves_a_new_database_next_to_earlier_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _used_install(data_dir, secure=False)
    _remove_database(data_dir)

    server = LiveServer(data_dir, free_port(), args=["--init"]).start()
    try:
        assert _db_file(data_dir).exists()
    finally:
        assert server.stop() == 0, server.output()
    # Started once on purpose, the next plain start finds its database.
    again = LiveServer(data_dir, free_port()).start()
    assert again.stop() == 0, again.output()
