"""A live host's master contract: downloading (artificial delay), ready, reloaded from the page."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.sdk import start_live_host
from tests.support.strategies import wait_until


def test_the_api_waits_for_the_master_contract_and_the_page_shows_it(tmp_path: Path) -> None:
    live = start_live_host(tmp_path / "data", {"MASTER_CONTRACT_DELAY_S": "2"}, wait_ready=False)
    try:
        state = live.sandbox()["master_contract"]
        assert (state["status"], state["ready"]) == ("downloading", False)
        page = live.session.client.get("/sandbox", headers={"Accept": "text/html"}).text
        assert "Contracts: downloading" in page  # the badge in the top bar

        early = httpx.post(
            f"{live.url}/api/v1/quotes", json={"apikey": live.api_key, "symbol": "SBIN", "exchange": "NSE"}
        )
        assert early.status_code == 503
        assert "master contract is not loaded yet" in early.json()["message"]

        ready = live.wait_for_master_contract()
        assert ready["symbol_count"] > 100 and ready["duration_s"] >= 2 and ready["finished_at"]
        assert live.client().quotes(symbol="SBIN", exchange="NSE")["status"] == "success"
        assert "Contracts: ready" in live.session.client.get("/", headers={"Accept": "text/html"}).text

        reload = live.session.post("/sandbox/master-contract/reload")
        assert reload.status_code == 202 and reload.json()["data"]["status"] == "downloading"
        again = live.session.post("/sandbox/master-contract/reload")
        assert again.json()["message"] == "A download is already running."
        # Symbols stay usable while the list reloads.
        assert live.client().quotes(symbol="SBIN", exchange="NSE")["status"] == "success"
        state = wait_until(
            lambda: (s := live.sandbox()["master_contract"])["status"] == "success" and s,
            30,
            what="the reload to finish",
        )
        assert state["finished_at"] >= ready["finished_at"]
    finally:
        live.stop()
