"""Webhook strategies on a live host: create one with its mappings, post alerts as senders do,
read positions and orders through the SDK."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.sdk import LiveHost
from tests.support.strategies import wait_until


def create_strategy(
    live: LiveHost, mappings: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    """A webhook strategy (through the JSON API, as the page does) with ``mappings``."""
    response = live.session.post("/strategy/api/strategies", fields)
    assert response.status_code == 201, response.text
    strategy = dict(response.json()["data"])
    for mapping in mappings or []:
        added = live.session.post(f"/strategy/api/strategies/{strategy['id']}/symbols", mapping)
        assert added.status_code == 201, added.text
    return strategy


def post_alert(
    live: LiveHost,
    webhook_id: str,
    alert: dict[str, Any] | bytes | str,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST an alert as TradingView does: the message as typed, with ``content_type``."""
    body = (
        alert
        if isinstance(alert, bytes)
        else (alert if isinstance(alert, str) else json.dumps(alert)).encode()
    )
    return httpx.post(
        f"{live.url}/strategy/webhook/{webhook_id}",
        content=body,
        headers={"Content-Type": content_type, **(headers or {})},
        timeout=timeout,
    )


def position_of(live: LiveHost, symbol: str, exchange: str = "NSE", product: str = "MIS") -> int:
    """The net quantity of one position in the sandbox positionbook (0 when there is none)."""
    book = live.client().positionbook()
    assert book.get("status") == "success", book
    for row in book.get("data") or []:
        if row["symbol"] == symbol and row["exchange"] == exchange and row["product"] == product:
            return int(row["quantity"])
    return 0


def wait_position(
    live: LiveHost, symbol: str, quantity: int, exchange: str = "NSE", product: str = "MIS"
) -> None:
    wait_until(
        lambda: position_of(live, symbol, exchange, product) == quantity,
        15,
        interval=0.05,
        what=f"{symbol} position {quantity}",
    )


def orders_of(live: LiveHost, symbol: str) -> list[dict[str, Any]]:
    """Today's sandbox orders of ``symbol``, newest first (OpenAlgo's orderbook names no strategy:
    each test trades a symbol of its own)."""
    book = live.client().orderbook()
    assert book.get("status") == "success", book
    orders = (book.get("data") or {}).get("orders") or []
    return [order for order in orders if order.get("symbol") == symbol]


def deliveries(live: LiveHost, strategy_id: int) -> list[dict[str, Any]]:
    response = live.session.get(f"/strategy/api/strategies/{strategy_id}/deliveries?limit=500")
    assert response.status_code == 200, response.text
    return list(response.json()["data"]["deliveries"])
