"""Duplicates: an explicit id holds for 24 h, an identical body for the window; the first delivery
keeps the keys until they expire, and a later identical alert is a new one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from database.engine import Database
from database.migrate import upgrade_to_head
from database.models import TradingStrategy, User
from services.webhooks.deliveries import Deliveries, dedupe_keys
from tests.support.strategies import FakeClock

WINDOW_S = 60.0
BODY = b'{"symbol": "SBIN", "action": "BUY"}'


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def deliveries(tmp_path: Path, clock: FakeClock) -> Iterator[Deliveries]:
    db = Database.from_url(f"sqlite:///{tmp_path / 'dedupe.db'}")
    upgrade_to_head(db.engine)
    with db.session() as session:
        session.execute(insert(User), [{"id": 1, "username": "admin", "password_hash": "x"}])
        session.add(
            TradingStrategy(
                id=7,
                user_id=1,
                name="S",
                webhook_digest="d",
                webhook_encrypted="e",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    yield Deliveries(db, clock, keep=3, host_id="here")
    db.dispose()


def record(deliveries: Deliveries, body: bytes = BODY, key: str | None = None) -> tuple[int, int | None]:
    return deliveries.record(7, "1.2.3.4", {}, body.decode(), dedupe_keys(body, key, WINDOW_S))


def test_an_identical_body_is_a_duplicate_within_the_window_only(
    deliveries: Deliveries, clock: FakeClock
) -> None:
    first, holder = record(deliveries)
    assert holder is None
    clock.advance(WINDOW_S - 1)
    assert record(deliveries)[1] == first
    clock.advance(2)
    second, holder = record(deliveries)
    assert holder is None and second != first


def test_whitespace_around_a_body_does_not_make_it_new(deliveries: Deliveries) -> None:
    first, _ = record(deliveries)
    assert record(deliveries, b"  " + BODY + b"\n")[1] == first


def test_an_explicit_id_holds_for_a_day_whatever_the_body(deliveries: Deliveries, clock: FakeClock) -> None:
    first, _ = record(deliveries, key="bar-1")
    clock.advance(23 * 3600)
    assert record(deliveries, b'{"symbol": "SBIN", "action": "BUY", "n": 2}', key="bar-1")[1] == first
    clock.advance(2 * 3600)
    assert record(deliveries, b'{"symbol": "SBIN", "action": "BUY", "n": 3}', key="bar-1")[1] is None


def test_a_window_of_zero_turns_body_dedupe_off(deliveries: Deliveries) -> None:
    assert dedupe_keys(BODY, None, 0) == []
    assert [key.key[:3] for key in dedupe_keys(BODY, "x", 0)] == ["id:"]


def test_the_newest_deliveries_are_kept(deliveries: Deliveries, clock: FakeClock) -> None:
    ids = []
    for n in range(30):
        clock.advance(WINDOW_S + 1)
        ids.append(record(deliveries, key=f"k{n}")[0])
    deliveries.prune(7)
    assert [d.id for d in deliveries.of_strategy(7)] == ids[::-1][:3]
