"""Every order /api/v1 sends goes through the order router and is journaled with the source ``api``:
placed with the broker's order id, skipped when a smart order has nothing to do, rejected with the
broker's reason. The API's answers are what they were before the router existed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.support.apps import api_key_of, build_app, host_of, set_up_admin


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(data_dir, start_background=True, order_rate_limit="1000 per second")
    assert host_of(application).venue.master_contract.wait_ready(60)
    yield application
    host_of(application).shutdown()


def _post(client: FlaskClient, app: Flask, endpoint: str, **fields: Any) -> Any:
    return client.post(f"/api/v1/{endpoint}", json={"apikey": api_key_of(app), **fields})


def test_orders_from_the_api_are_journaled_with_their_fate(app: Flask, client: FlaskClient) -> None:
    set_up_admin(client)
    order = {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "product": "MIS", "strategy": "j"}
    placed = _post(client, app, "placeorder", quantity=3, **order)
    assert placed.status_code == 200, placed.get_json()
    orderid = placed.get_json()["orderid"]

    smart = _post(client, app, "placesmartorder", quantity=0, position_size=3, **order)  # already 3
    assert smart.get_json()["status"] == "success"

    unknown = _post(client, app, "placeorder", quantity=1, **{**order, "symbol": "NOSUCHSYMBOL"})
    assert unknown.status_code == 400
    reason = unknown.get_json()["message"]

    journal = host_of(app).orders.journal
    entries = journal.entries(source="api")
    assert [(e.kind, e.status, e.order.symbol) for e in entries] == [
        ("order", "rejected", "NOSUCHSYMBOL"),
        ("smart", "skipped", "SBIN"),
        ("order", "placed", "SBIN"),
    ]
    assert entries[2].orderid == orderid and entries[2].order.quantity == 3
    assert entries[2].order.strategy == "j"
    assert entries[1].position_size == 3
    assert entries[0].orderid is None and entries[0].message == reason


def test_a_request_refused_before_the_router_is_not_journaled(app: Flask, client: FlaskClient) -> None:
    set_up_admin(client)
    missing = _post(client, app, "placeorder", symbol="SBIN", exchange="NSE", action="BUY")
    assert missing.status_code == 400  # no quantity: invalid input, nothing sent
    forbidden = client.post("/api/v1/placeorder", json={"apikey": "x" * 64, "symbol": "SBIN"})
    assert forbidden.status_code == 403
    assert host_of(app).orders.journal.entries() == []


def test_an_acknowledged_order_is_on_disk_before_the_api_answers(app: Flask, client: FlaskClient) -> None:
    # SQLite's synchronous=NORMAL (in WAL mode) may lose the last commits on a power cut even
    # though the API said "success"; FULL syncs every commit before it returns.
    set_up_admin(client)
    order = {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "product": "MIS", "quantity": 1}
    assert _post(client, app, "placeorder", strategy="d", **order).status_code == 200
    full = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
    engine = host_of(app).db.engine
    for _ in range(2):  # the pooled connection that journaled the order, then a fresh one
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == full
        engine.dispose()
