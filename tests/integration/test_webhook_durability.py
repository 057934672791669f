"""Webhook alerts under load and through a crash: a burst becomes orders at the order limit's pace
(none refused), and ``kill -9`` in the middle of a burst loses nothing and places nothing twice
once the sender retries what it got no answer for, as TradingView does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.clocks import next_trading_moment
from tests.support.sdk import LiveHost, start_live_host
from tests.support.strategies import wait_until
from tests.support.webhooks import create_strategy, orders_of, position_of, post_alert

ALERTS = 100


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveHost]:
    env = {"ORDER_RATE_LIMIT": "25 per second"}
    host = start_live_host(tmp_path / "data", env, clock_at=next_trading_moment(10))
    yield host
    host.stop()


def strategy_for(live: LiveHost, symbol: str) -> str:
    mapping = {"symbol": symbol, "exchange": "NSE", "quantity": 1, "product": "MIS"}
    return str(create_strategy(live, [mapping], name=f"Burst {symbol}")["webhook_id"])


def alert(symbol: str, number: int) -> dict[str, object]:
    return {"symbol": symbol, "action": "BUY", "id": f"bar-{number}"}


def test_a_burst_of_100_alerts_becomes_100_orders_at_the_limits_pace(live: LiveHost) -> None:
    webhook = strategy_for(live, "SBIN")
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda n: post_alert(live, webhook, alert("SBIN", n)), range(ALERTS)))
    assert [r.status_code for r in replies] == [200] * ALERTS
    assert {r.json()["result"] for r in replies} == {"accepted"}
    wait_until(lambda: len(orders_of(live, "SBIN")) == ALERTS, 60, interval=0.2, what="100 orders")
    elapsed = time.monotonic() - started
    assert elapsed >= (ALERTS - 25) / 25 * 0.9  # paced by the 25/s order limit, not refused
    assert position_of(live, "SBIN") == ALERTS


def test_kill_9_mid_burst_then_the_senders_retries_give_each_alert_exactly_one_order(live: LiveHost) -> None:
    webhook = strategy_for(live, "INFY")
    answered: dict[int, str] = {}

    def send(number: int) -> None:
        try:
            reply = post_alert(live, webhook, alert("INFY", number), timeout=5.0)
            if reply.status_code == 200:
                answered[number] = reply.json()["result"]
        except httpx.HTTPError:
            pass  # no answer: the sender retries later

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, n) for n in range(ALERTS)]
        wait_until(lambda: len(answered) >= 30, 30, interval=0.02, what="30 answered alerts")
        live.server.kill()  # kill -9 while alerts arrive and orders wait for their turn
        for future in futures:
            future.result()
    assert 30 <= len(answered) < ALERTS
    live.start_again()
    placed_before = len(orders_of(live, "INFY"))
    assert placed_before < ALERTS  # the crash really interrupted the burst

    # TradingView retries what it got no answer for; a cautious sender retries everything.
    retries = [post_alert(live, webhook, alert("INFY", n)) for n in range(ALERTS)]
    assert all(r.status_code == 200 for r in retries), [r.text for r in retries if r.status_code != 200]
    assert all(retries[n].json()["result"] == "duplicate" for n in answered)
    wait_until(lambda: position_of(live, "INFY") == ALERTS, 60, interval=0.2, what="every alert's order")
    time.sleep(1.0)  # nothing more arrives late
    assert len(orders_of(live, "INFY")) == ALERTS
    assert position_of(live, "INFY") == ALERTS
