"""Live hosts driven through the real ``openalgo`` SDK: start ``python app.py``, set up the admin,
read the API key, wait for the master contract, and hand out SDK clients."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openalgo import api

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port
from tests.support.strategies import wait_until


@dataclass
class LiveHost:
    server: LiveServer
    session: LoggedInSession
    api_key: str

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, api_key: str | None = None) -> Any:
        """An SDK client, exactly as a strategy builds it."""
        return api(api_key=api_key or self.api_key, host=self.url, timeout=30.0)

    def sandbox(self) -> dict[str, Any]:
        response = self.session.get("/sandbox/data")
        response.raise_for_status()
        return dict(response.json()["data"])

    def move_price(self, symbol: str, exchange: str, price: float | None) -> float:
        """Drive the simulated price through the sandbox page's endpoint; returns the new LTP."""
        response = self.session.post(
            "/sandbox/price", {"symbol": symbol, "exchange": exchange, "price": price}
        )
        assert response.status_code == 200, response.text
        return float(response.json()["data"]["ltp"])

    def new_api_key(self) -> str:
        response = self.session.post("/apikey")
        response.raise_for_status()
        self.api_key = str(response.json()["data"]["api_key"])
        return self.api_key

    def wait_for_master_contract(self, timeout: float = 60.0) -> dict[str, Any]:
        return dict(
            wait_until(
                lambda: (state := self.sandbox()["master_contract"])["ready"] and state,
                timeout,
                interval=0.1,
                what="the master contract",
            )
        )

    def restart(self, timeout: float = 60.0) -> None:
        """Stop the host gracefully and start it again on the same port and data."""
        code = self.server.stop(signal.SIGTERM)
        assert code == 0, self.server.output()
        self.server.start(timeout)
        self.session.close()
        self.session = LoggedInSession(self.url)
        self.session.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)

    def start_again(self, timeout: float = 60.0) -> None:
        """Start the host again after it was killed (same port and data) and log in."""
        self.server.start(timeout)
        self.session.close()
        self.session = LoggedInSession(self.url)
        self.session.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
        self.wait_for_master_contract(timeout)

    def stop(self) -> None:
        self.session.close()
        self.server.stop()


def start_live_host(
    data_dir: Path,
    env: dict[str, str] | None = None,
    *,
    wait_ready: bool = True,
    timeout: float = 60.0,
    program: list[str] | None = None,
    clock_at: datetime | None = None,
) -> LiveHost:
    """``program`` replaces ``python app.py``; ``clock_at`` serves it on a clock that starts at
    that moment (see ``LiveServer``)."""
    server = LiveServer(data_dir, free_port(), env, clock_at, program=program).start(timeout)
    try:
        session = LoggedInSession(server.url)
        session.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
        response = session.post("/apikey")
        response.raise_for_status()
        live = LiveHost(server, session, str(response.json()["data"]["api_key"]))
        if wait_ready:
            live.wait_for_master_contract(timeout)
        return live
    except BaseException:
        server.stop()
        raise
