"""The order rate limit counts per API key (not per address): 429 beyond it, a new key starts afresh."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.sdk import start_live_host


def test_orders_beyond_the_limit_get_429_per_api_key(tmp_path: Path) -> None:
    live = start_live_host(tmp_path / "data", {"ORDER_RATE_LIMIT": "5 per minute"})
    try:
        client = live.client()
        results = [
            client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", product="MIS", quantity=1)
            for _ in range(7)
        ]
        assert [r["status"] for r in results] == ["success"] * 5 + ["error"] * 2
        assert results[5]["code"] == 429
        assert "Order rate limit exceeded" in results[5]["message"]
        # Market data and account views are not orders: they still answer.
        assert client.funds()["status"] == "success"
        assert client.quotes(symbol="SBIN", exchange="NSE")["status"] == "success"
        # The kill switch is never rate limited.
        assert client.closeposition(strategy="limits")["status"] == "success"

        # Same client address, another key: a fresh budget. The old key is gone (403, not 429).
        old_key = live.api_key
        fresh = live.client(live.new_api_key())
        ok = fresh.placeorder(symbol="SBIN", action="BUY", exchange="NSE", product="MIS", quantity=1)
        assert ok["status"] == "success", ok
        stale = httpx.post(f"{live.url}/api/v1/placeorder", json={"apikey": old_key, "symbol": "SBIN"})
        assert stale.status_code == 403
    finally:
        live.stop()
