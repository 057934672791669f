"""Login and first-run setup under attack: attempts are counted before any password is hashed,
per client and per username; at most a few hashes run at once; one admin, however setups race."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError

from database.models import User
from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER, build_app, csrf_token, host_of, set_up_admin

JSON = {"Accept": "application/json"}


def _post(app: Flask, url: str, payload: dict[str, str], address: str = "127.0.0.1") -> int:
    """One anonymous client (its own cookie jar and address) posting a form as JSON."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client)
    return client.post(url, json=payload, headers={"X-CSRFToken": token, **JSON}).status_code


def _at_once(count: int, call: Callable[[int], int]) -> list[int]:
    """``count`` calls started together (a barrier), their statuses in order."""
    barrier = threading.Barrier(count)
    statuses = [0] * count

    def run(index: int) -> None:
        barrier.wait(10)
        statuses[index] = call(index)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


def _count_hashes(app: Flask) -> list[int]:
    """Count the password hashes the host computes (a list, so threads can append)."""
    passwords = host_of(app).passwords
    original = passwords.hash
    counted: list[int] = []

    def counting(password: str) -> str:
        counted.append(1)
        return original(password)

    passwords.hash = counting  # type: ignore[method-assign]
    return counted


@pytest.fixture
def admin_app(app: Flask) -> Flask:
    set_up_admin(app.test_client())
    return app


def test_concurrent_wrong_passwords_cannot_slip_past_the_limit(admin_app: Flask) -> None:
    wrong = {"username": ADMIN_USER, "password": "not the password"}
    statuses = _at_once(12, lambda _n: _post(admin_app, "/auth/login", wrong))
    # Counted before the password is checked: 5 per minute means 5 checks, whatever the timing.
    assert sorted(statuses) == [401] * 5 + [429] * 7


def test_a_username_is_throttled_across_addresses(admin_app: Flask) -> None:
    wrong = {"username": ADMIN_USER, "password": "not the password"}
    statuses = [_post(admin_app, "/auth/login", wrong, f"10.0.0.{n}") for n in range(11)]
    assert statuses == [401] * 10 + [429]  # LOGIN_USERNAME_RATE_LIMIT: 10 per minute
    # Another username from a fresh address is not affected.
    assert _post(admin_app, "/auth/login", {"username": "other", "password": "x" * 12}, "10.0.1.1") == 401


def test_a_successful_login_starts_the_budgets_afresh(admin_app: Flask) -> None:
    wrong = {"username": ADMIN_USER, "password": "not the password"}
    right = {"username": ADMIN_USER, "password": ADMIN_PASSWORD}
    for _round in range(3):
        assert [_post(admin_app, "/auth/login", wrong) for _ in range(4)] == [401] * 4
        assert _post(admin_app, "/auth/login", right) == 200


def test_setup_once_done_is_409_without_hashing_a_password(admin_app: Flask) -> None:
    hashes = _count_hashes(admin_app)
    statuses = [
        _post(admin_app, "/auth/setup", {"username": f"intruder{n}", "password": "a long password"})
        for n in range(20)
    ]
    assert statuses == [409] * 20
    assert hashes == []


def test_racing_first_run_setups_hash_within_the_limit_and_make_one_admin(app: Flask) -> None:
    hashes = _count_hashes(app)
    statuses = _at_once(
        10,
        lambda n: _post(app, "/auth/setup", {"username": f"admin{n}", "password": "a long password"}),
    )
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 429}
    assert len(hashes) <= 5  # LOGIN_RATE_LIMIT per client: hashing is counted before it starts
    with host_of(app).db.session() as session:
        assert session.query(User).count() == 1


def test_the_database_itself_refuses_a_second_admin(admin_app: Flask) -> None:
    # Whatever a future code path forgets to check, a second user row cannot be written.
    with pytest.raises(IntegrityError), host_of(admin_app).db.session() as session:
        session.add(User(username="second", password_hash="x"))


@pytest.fixture
def one_hash_app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(data_dir, password_hash_concurrency=1)
    yield application
    host_of(application).shutdown()


class _WatchedHasher(PasswordHasher):
    """argon2 as configured, noting how many verifications run at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_password_checks_run_at_most_n_at_once(one_hash_app: Flask) -> None:
    set_up_admin(one_hash_app.test_client())
    watched = _WatchedHasher()
    host_of(one_hash_app).passwords._hasher = watched
    wrong = {"username": ADMIN_USER, "password": "not the password"}
    statuses = _at_once(3, lambda n: _post(one_hash_app, "/auth/login", wrong, f"10.0.2.{n}"))
    assert statuses == [401] * 3  # the others waited for the slot
    assert watched.peak == 1  # PASSWORD_HASH_CONCURRENCY=1: one 64 MiB argon2 at a time


def test_the_login_page_shows_429_after_the_limit(admin_app: Flask) -> None:
    client: FlaskClient = admin_app.test_client()
    wrong = {"username": ADMIN_USER, "password": "not the password"}
    for _ in range(5):
        client.post("/auth/login", json=wrong, headers={"X-CSRFToken": csrf_token(client)})
    refused = client.post("/auth/login", json=wrong, headers={"X-CSRFToken": csrf_token(client), **JSON})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_json()["message"]
