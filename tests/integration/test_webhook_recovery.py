"""Webhook strategies inside one process (coverage of what the live-host tests exercise through
HTTP): the management API's refusals, toggling to a state, deliveries with their orders, and
the crash windows of a delivery — recorded but never acted on, or acted on without its answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app import create_app
from services.host import Host
from services.webhooks.deliveries import dedupe_keys
from tests.support.apps import host_of, make_settings, post_json, set_up_admin
from tests.support.clocks import ShiftedClock, next_trading_moment
from tests.support.strategies import wait_until

SBIN = {"symbol": "SBIN", "exchange": "NSE", "quantity": 1, "product": "MIS"}


@pytest.fixture
def running(data_dir: Path) -> Iterator[tuple[Host, FlaskClient]]:
    settings = make_settings(data_dir, start_background=True, order_rate_limit="1000 per second")
    app = create_app(settings, clock=ShiftedClock(next_trading_moment(10)))
    host = host_of(app)
    assert host.venue.master_contract.wait_ready(60)
    client = app.test_client()
    set_up_admin(client)
    yield host, client
    host.shutdown()


def create(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = post_json(client, "/strategy/api/strategies", {"name": "Recovery", **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    strategy: dict[str, Any] = response.get_json()["data"]
    assert post_json(client, f"/strategy/api/strategies/{strategy['id']}/symbols", SBIN).status_code == 201
    return strategy


def alert(client: FlaskClient, strategy: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.post(
        f"/strategy/webhook/{strategy['webhook_id']}", data=json.dumps(body), content_type="text/plain"
    )


def test_management_refusals_name_their_field(running: tuple[Host, FlaskClient]) -> None:
    _host, client = running
    strategy = create(client)
    base = f"/strategy/api/strategies/{strategy['id']}"
    cases = [
        ("/strategy/api/strategies", {"name": "Recovery"}, 409, "name"),
        ("/strategy/api/strategies", {"name": "X", "speed": 1}, 400, "speed"),
        (f"{base}/symbols", SBIN, 409, None),
        (f"{base}/symbols", {**SBIN, "symbol": "NOSUCH"}, 400, "symbol"),
        (f"{base}/symbols", {**SBIN, "symbol": "NIFTY", "exchange": "NSE_INDEX"}, 400, "symbol"),
        (f"{base}/symbols", {**SBIN, "quantity": 0}, 400, "quantity"),
        (f"{base}/symbols", {**SBIN, "product": "NRML"}, 400, "product"),
        (f"{base}/symbols", {**SBIN, "lots": 2}, 400, "lots"),
        (f"{base}", {"is_intraday": False}, 400, "is_intraday"),  # it maps MIS
        (f"{base}/toggle", {"is_active": "no"}, 400, "is_active"),
        ("/strategy/api/strategies/999", {}, 404, None),
        ("/strategy/api/strategies/999/symbols/1/delete", {}, 404, None),
    ]
    for url, payload, status, field in cases:
        response = post_json(client, url, payload)
        assert response.status_code == status, (url, payload, response.get_data(as_text=True))
        if field is not None:
            assert field in response.get_json()["data"]["fields"], response.get_json()
    assert client.get("/strategy/api/symbols?q=" + "x" * 65).status_code == 400
    assert client.get(f"{base}/deliveries?limit=0").status_code == 400


def test_toggle_sets_the_state_it_is_given(running: tuple[Host, FlaskClient]) -> None:
    _host, client = running
    strategy = create(client)
    url = f"/strategy/api/strategies/{strategy['id']}/toggle"
    for wanted in (False, False, True, True):
        assert post_json(client, url, {"is_active": wanted}).get_json()["data"]["is_active"] is wanted
    assert post_json(client, url).get_json()["data"]["is_active"] is False  # no body: flips


def test_a_delivery_never_acted_on_is_taken_over_by_the_retry(running: tuple[Host, FlaskClient]) -> None:
    host, client = running
    strategy = create(client)
    body = {"symbol": "SBIN", "action": "BUY", "id": "bar-7"}
    # The crash: the alert was recorded and its keys claimed, then the host died.
    raw = json.dumps(body).encode()
    lost, holder = host.webhooks.deliveries.record(
        strategy["id"], "1.2.3.4", {}, raw.decode(), dedupe_keys(raw, "bar-7", 60)
    )
    assert holder is None
    host.webhooks.receiver.start()  # what the next start does with it: nothing was sent
    reply = alert(client, strategy, body).get_json()
    assert reply["result"] == "accepted", reply
    wait_until(lambda: host.venue.broker.open_position(1, "SBIN", "NSE", "MIS") == 1, 10, what="the order")
    again = alert(client, strategy, body).get_json()
    assert again["result"] == "duplicate" and again["duplicate_of"] == reply["delivery_id"]
    first = host.webhooks.deliveries.get(lost)
    assert first is not None and first.result == "received" and "Never acted on" in first.message


def test_a_delivery_whose_orders_were_journaled_is_settled_not_repeated(
    running: tuple[Host, FlaskClient],
) -> None:
    host, client = running
    strategy = create(client)
    reply = alert(client, strategy, {"symbol": "SBIN", "action": "BUY", "id": "bar-8"}).get_json()
    wait_until(lambda: host.venue.broker.open_position(1, "SBIN", "NSE", "MIS") == 1, 10, what="the order")
    # The crash after the orders were journaled, before the delivery was finished:
    host.webhooks.deliveries.finish(reply["delivery_id"], "received", "")
    host.webhooks.receiver.start()
    settled = host.webhooks.deliveries.get(reply["delivery_id"])
    assert settled is not None and settled.result == "accepted" and settled.order_ids
    listed = client.get(f"/strategy/api/strategies/{strategy['id']}/deliveries").get_json()["data"][
        "deliveries"
    ]
    assert listed[0]["orders"][0]["status"] == "placed"
    retry = alert(client, strategy, {"symbol": "SBIN", "action": "BUY", "id": "bar-8"}).get_json()
    assert retry["result"] == "duplicate"
    assert host.venue.broker.open_position(1, "SBIN", "NSE", "MIS") == 1
