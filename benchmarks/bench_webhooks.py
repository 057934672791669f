"""Webhook alerts to orders: latency of one alert, and a flood of 1,000 over 10 strategies.

1. Latency: an alert posted to ``/strategy/webhook/<id>`` until its order is in the sandbox order
   book (the reply carries the order id once the dispatcher placed it), p50/p99 over ``--alerts``
   alerts. Baseline, in the same run and alternating blocks on the same host: a bare
   ``/api/v1/placeorder`` call. Target: ≤ 1.5× at p50.
2. Flood: ``--flood`` alerts as fast as ``--senders`` concurrent senders can post them, spread over
   10 strategies sharing one API key, on a second host with the default order limit (10 per
   second per key): alerts accepted per second, every order placed, and the time until the last
   one is in the order book against the limit's floor (1,000 / 10 per s = 100 s).

The hosts run on a clock that starts on the next NSE trading day at 10:00 IST (the intraday window
is open whatever the hour). Run: ``python -m benchmarks.bench_webhooks [--alerts 500]
[--flood 1000] [--senders 50] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.support.clocks import next_trading_moment
from tests.support.sdk import LiveHost, start_live_host
from tests.support.webhooks import create_strategy

BASE_ENV = {"SANDBOX_CAPITAL": "1000000000000", "LOG_LEVEL": "WARNING"}
SYMBOLS = ("SBIN", "INFY", "TCS", "ITC", "WIPRO", "LT", "ONGC", "TITAN", "MARUTI", "AXISBANK")
ORDER = {
    "symbol": "IDEA",
    "exchange": "NSE",
    "action": "BUY",
    "product": "MIS",
    "quantity": 1,
    "pricetype": "MARKET",
}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
    }


def _strategy(live: LiveHost, symbol: str) -> str:
    mapping = {"symbol": symbol, "exchange": "NSE", "quantity": 1, "product": "MIS"}
    return str(create_strategy(live, [mapping], name=f"Bench {symbol}")["webhook_id"])


def _alert_to_order(client: httpx.Client, webhook: str, number: int) -> float:
    """One alert until its order is in the book: the reply waits (up to WEBHOOK_REPLY_WAIT_S) for
    the dispatcher to place it when nothing is queued ahead, as here."""
    started = time.perf_counter()
    reply = client.post(
        f"/strategy/webhook/{webhook}",
        content=json.dumps({"symbol": "IDEA", "action": "BUY", "id": f"lat-{number}"}),
        headers={"Content-Type": "text/plain"},
    ).json()
    elapsed = time.perf_counter() - started
    order = reply["orders"][0]
    if order.get("status") != "placed" or not order.get("orderid"):
        raise RuntimeError(f"the alert's order was not in the book when the reply came: {reply}")
    return elapsed


def _placeorder(client: httpx.Client, api_key: str) -> float:
    started = time.perf_counter()
    reply = client.post("/api/v1/placeorder", json={"apikey": api_key, **ORDER}).json()
    if reply.get("status") != "success":
        raise RuntimeError(f"placeorder failed: {reply}")
    return time.perf_counter() - started


def latency(root: Path, alerts: int) -> dict[str, Any]:
    env = {**BASE_ENV, "ORDER_RATE_LIMIT": "100000 per second", "WEBHOOK_RATE_LIMIT": "100000 per minute"}
    live = start_live_host(root / "latency", env, clock_at=next_trading_moment(10))
    try:
        webhook = _strategy(live, "IDEA")
        samples: dict[str, list[float]] = {"webhook": [], "placeorder": []}
        with httpx.Client(base_url=live.url, timeout=30) as client:
            for number in range(20):  # warm up both paths
                _alert_to_order(client, webhook, -1 - number)
                _placeorder(client, live.api_key)
            block = 25
            for start in range(0, alerts, block):
                for number in range(start, min(start + block, alerts)):
                    samples["webhook"].append(_alert_to_order(client, webhook, number))
                for _ in range(start, min(start + block, alerts)):
                    samples["placeorder"].append(_placeorder(client, live.api_key))
        figures = {path: _percentiles(values) for path, values in samples.items()}
        figures["ratio_p50"] = figures["webhook"]["p50_ms"] / figures["placeorder"]["p50_ms"]
        figures["ratio_p99"] = figures["webhook"]["p99_ms"] / figures["placeorder"]["p99_ms"]
        return figures
    finally:
        live.stop()


def flood(root: Path, alerts: int, senders: int) -> dict[str, Any]:
    live = start_live_host(root / "flood", dict(BASE_ENV), clock_at=next_trading_moment(10))
    try:
        webhooks = [_strategy(live, symbol) for symbol in SYMBOLS]
        with httpx.Client(
            base_url=live.url, timeout=30, limits=httpx.Limits(max_connections=senders)
        ) as client:

            def send(number: int) -> str:
                symbol = SYMBOLS[number % len(SYMBOLS)]
                reply = client.post(
                    f"/strategy/webhook/{webhooks[number % len(SYMBOLS)]}",
                    json={"symbol": symbol, "action": "BUY", "id": f"flood-{number}"},
                )
                return str(reply.json().get("result")) if reply.status_code == 200 else str(reply.status_code)

            started = time.perf_counter()
            with ThreadPoolExecutor(senders) as pool:
                results = list(pool.map(send, range(alerts)))
            accepted_s = time.perf_counter() - started
            placed = 0
            while placed < alerts:
                book = client.post("/api/v1/orderbook", json={"apikey": live.api_key}).json()
                placed = len(book["data"]["orders"])
                if placed < alerts:
                    time.sleep(0.25)
                if time.perf_counter() - started > 30 * 60:
                    raise RuntimeError(f"only {placed} of {alerts} orders after 30 minutes")
            last_order_s = time.perf_counter() - started
        floor_s = alerts / 10
        return {
            "alerts": alerts,
            "accepted": results.count("accepted"),
            "refused": len(results) - results.count("accepted"),
            "accepted_per_s": alerts / accepted_s,
            "all_replies_s": accepted_s,
            "orders_placed": placed,
            "last_order_s": last_order_s,
            "floor_s": floor_s,
            "excess_s": last_order_s - floor_s,
            "excess_ratio": last_order_s / floor_s,
        }
    finally:
        live.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--flood", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as scratch:
        root = Path(scratch)
        figures = {"latency": latency(root, args.alerts), "flood": flood(root, args.flood, args.senders)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    lat, fl = figures["latency"], figures["flood"]
    for label, path in (("alert → order in the book", "webhook"), ("bare /api/v1/placeorder", "placeorder")):
        print(f"{label:<27}p50 {lat[path]['p50_ms']:.2f} ms  p99 {lat[path]['p99_ms']:.2f} ms")
    print(f"{'ratio':<27}p50 {lat['ratio_p50']:.2f}×  p99 {lat['ratio_p99']:.2f}×  (target ≤ 1.5× at p50)")
    print(
        f"flood: {fl['alerts']} alerts over 10 strategies, one API key: {fl['accepted']} accepted, "
        f"{fl['refused']} refused, {fl['accepted_per_s']:.0f} alerts/s accepted"
    )
    print(
        f"       {fl['orders_placed']} orders placed; the last after {fl['last_order_s']:.1f} s "
        f"(floor {fl['floor_s']:.0f} s at 10 orders/s: +{fl['excess_s']:.1f} s, {fl['excess_ratio']:.3f}×)"
    )


if __name__ == "__main__":
    main()
