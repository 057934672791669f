"""Webhook strategies end to end on ``python app.py`` (sandbox), driven as senders drive them: the
real ``openalgo`` SDK's ``Strategy.strategyorder``, raw TradingView ``text/plain`` bodies and the
signal form, in every trading mode, to positions in the sandbox positionbook.

The host runs on a clock that starts on the next NSE trading day at 10:00 IST, so the intraday
window is open whatever the hour of the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from openalgo import Strategy

from tests.support.clocks import next_trading_moment
from tests.support.sdk import LiveHost, start_live_host
from tests.support.strategies import wait_until
from tests.support.webhooks import create_strategy, deliveries, orders_of, post_alert, wait_position

ENV = {"ORDER_RATE_LIMIT": "1000 per second", "WEBHOOK_RATE_LIMIT": "40 per minute"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    host = start_live_host(
        tmp_path_factory.mktemp("webhooks") / "data", ENV, clock_at=next_trading_moment(10)
    )
    yield host
    host.stop()


def mapped(live: LiveHost, symbol: str, mode: str, quantity: int = 10, **fields: Any) -> dict[str, Any]:
    mapping = {"symbol": symbol, "exchange": "NSE", "quantity": quantity, "product": "MIS"}
    return create_strategy(live, [mapping], name=f"{mode} {symbol}", trading_mode=mode, **fields)


def test_long_mode_through_the_sdk_buys_then_goes_flat(live: LiveHost) -> None:
    strategy = mapped(live, "SBIN", "LONG")
    sender = Strategy(host_url=live.url, webhook_id=strategy["webhook_id"])
    reply = sender.strategyorder("SBIN", "BUY")
    assert reply["status"] == "success" and reply["result"] == "accepted", reply
    assert reply["orders"][0]["status"] == "placed" and reply["orders"][0]["orderid"], reply
    wait_position(live, "SBIN", 10)
    sender.strategyorder("SBIN", "SELL")
    wait_position(live, "SBIN", 0)
    assert [o["action"] for o in orders_of(live, "SBIN")] == ["SELL", "BUY"]


def test_short_mode_is_the_mirror_and_uses_the_position_size(live: LiveHost) -> None:
    strategy = mapped(live, "INFY", "SHORT")
    sender = Strategy(host_url=live.url, webhook_id=strategy["webhook_id"])
    sender.strategyorder("INFY", "SELL", 4)
    wait_position(live, "INFY", -4)
    sender.strategyorder("INFY", "BUY")
    wait_position(live, "INFY", 0)


def test_both_mode_goes_to_the_signed_position_size(live: LiveHost) -> None:
    strategy = mapped(live, "TCS", "BOTH")
    sender = Strategy(host_url=live.url, webhook_id=strategy["webhook_id"])
    sender.strategyorder("TCS", "BUY", 6)
    wait_position(live, "TCS", 6)
    sender.strategyorder("TCS", "SELL", -6)  # reverse in one order
    wait_position(live, "TCS", -6)
    sender.strategyorder("TCS", "SELL", 0)
    wait_position(live, "TCS", 0)
    assert len(orders_of(live, "TCS")) == 3


def test_tradingview_text_plain_bodies_and_the_signal_form(live: LiveHost) -> None:
    strategy = mapped(live, "ITC", "BOTH", quantity=3)
    webhook = strategy["webhook_id"]
    raw = '{"symbol": "ITC", "action": "long_entry"}'
    assert (
        post_alert(live, webhook, raw, content_type="text/plain; charset=utf-8").json()["result"]
        == "accepted"
    )
    wait_position(live, "ITC", 3)
    post_alert(live, webhook, {"symbol": "itc", "action": "SHORT_ENTRY"})
    wait_position(live, "ITC", -3)
    exit_long = post_alert(live, webhook, {"symbol": "ITC", "action": "long_exit"}).json()
    assert exit_long["orders"][0]["status"] == "skipped", exit_long  # short, not long: nothing to exit
    wait_position(live, "ITC", -3)
    post_alert(live, webhook, {"symbol": "ITC", "action": "short_exit"})
    wait_position(live, "ITC", 0)


def test_twenty_identical_alerts_at_once_place_one_order(live: LiveHost) -> None:
    strategy = mapped(live, "WIPRO", "LONG", quantity=1)
    alert = {"symbol": "WIPRO", "action": "BUY"}
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: post_alert(live, strategy["webhook_id"], alert).json(), range(20)))
    results = sorted(reply["result"] for reply in replies)
    assert results == ["accepted"] + ["duplicate"] * 19, replies
    first = next(reply for reply in replies if reply["result"] == "accepted")
    assert {reply.get("duplicate_of") for reply in replies if reply["result"] == "duplicate"} == {
        first["delivery_id"]
    }
    assert len({reply["delivery_id"] for reply in replies}) == 20
    wait_position(live, "WIPRO", 1)
    assert len(orders_of(live, "WIPRO")) == 1


def test_an_explicit_id_dedupes_even_a_different_body(live: LiveHost) -> None:
    strategy = mapped(live, "HDFCBANK", "LONG", quantity=1)
    first = post_alert(
        live, strategy["webhook_id"], {"symbol": "HDFCBANK", "action": "BUY", "id": "bar-42"}
    ).json()
    again = post_alert(
        live, strategy["webhook_id"], {"symbol": "HDFCBANK", "action": "BUY", "id": "bar-42", "note": "retry"}
    ).json()
    assert again["result"] == "duplicate" and again["duplicate_of"] == first["delivery_id"]
    assert [o["journal_id"] for o in again["orders"]] == [o["journal_id"] for o in first["orders"]]
    header = post_alert(
        live,
        strategy["webhook_id"],
        {"symbol": "HDFCBANK", "action": "SELL"},
        headers={"Idempotency-Key": "k-1"},
    ).json()
    repeat = post_alert(
        live,
        strategy["webhook_id"],
        {"symbol": "HDFCBANK", "action": "SELL", "x": 1},
        headers={"Idempotency-Key": "k-1"},
    ).json()
    assert header["result"] == "accepted" and repeat["duplicate_of"] == header["delivery_id"]


def test_alerts_outside_the_window_are_ignored_not_errors(live: LiveHost) -> None:
    strategy = mapped(live, "AXISBANK", "LONG", start_time="11:00", end_time="14:00", squareoff_time="15:00")
    reply = post_alert(live, strategy["webhook_id"], {"symbol": "AXISBANK", "action": "BUY"})
    assert reply.status_code == 200
    assert reply.json()["result"] == "ignored" and "11:00" in reply.json()["message"]
    assert orders_of(live, "AXISBANK") == []


def test_bad_input_gets_its_status_and_places_nothing(live: LiveHost) -> None:
    strategy = mapped(live, "SUNPHARMA", "BOTH")
    webhook = strategy["webhook_id"]
    cases: list[tuple[Any, int, str]] = [
        ("{not json", 400, "JSON"),
        ({"symbol": "SUNPHARMA", "action": "HOLD"}, 400, "action"),
        ({"symbol": "RELIANCE", "action": "BUY", "position_size": 1}, 400, "not mapped"),
        ({"symbol": "SUNPHARMA", "action": "BUY"}, 400, "position_size"),
        ({"symbol": "SUNPHARMA", "action": "BUY", "position_size": 1, "pad": "x" * 17000}, 413, "16 KB"),
    ]
    for alert, status, words in cases:
        reply = post_alert(live, webhook, alert)
        assert reply.status_code == status, (alert, reply.text)
        assert reply.json()["status"] == "error" and words in reply.json()["message"], reply.text
    assert post_alert(live, "x" * 32, {"symbol": "SUNPHARMA", "action": "BUY"}).status_code == 404
    assert (
        live.session.post(f"/strategy/api/strategies/{strategy['id']}/toggle").json()["data"]["is_active"]
        is False
    )
    inactive = post_alert(live, webhook, {"symbol": "SUNPHARMA", "action": "BUY", "position_size": 1})
    assert inactive.status_code == 409 and "inactive" in inactive.json()["message"]
    assert orders_of(live, "SUNPHARMA") == []
    recorded = {d["result"] for d in deliveries(live, strategy["id"])}
    assert recorded == {"rejected"}


def test_the_rate_limit_is_per_webhook_and_counts_duplicates(live: LiveHost) -> None:
    busy = mapped(live, "MARUTI", "LONG", quantity=1)
    calm = mapped(live, "TITAN", "LONG", quantity=1)
    alert = {"symbol": "MARUTI", "action": "BUY"}
    codes = [post_alert(live, busy["webhook_id"], alert).status_code for _ in range(41)]
    assert codes[:40] == [200] * 40 and codes[40] == 429
    assert post_alert(live, calm["webhook_id"], {"symbol": "TITAN", "action": "BUY"}).status_code == 200
    assert len(orders_of(live, "MARUTI")) == 1  # one accepted, 39 duplicates, one refused


def test_rotating_the_webhook_retires_the_old_url_and_deliveries_are_listed(live: LiveHost) -> None:
    strategy = mapped(live, "LT", "LONG", quantity=1)
    post_alert(live, strategy["webhook_id"], {"symbol": "LT", "action": "BUY"}, content_type="text/plain")
    rotated = live.session.post(f"/strategy/api/strategies/{strategy['id']}/rotate-webhook").json()["data"]
    assert rotated["webhook_id"] != strategy["webhook_id"] and rotated["webhook_url"].endswith(
        rotated["webhook_id"]
    )
    assert post_alert(live, strategy["webhook_id"], {"symbol": "LT", "action": "SELL"}).status_code == 404
    listed = deliveries(live, strategy["id"])
    assert len(listed) == 1 and listed[0]["result"] == "accepted"
    assert json.loads(listed[0]["body"]) == {"symbol": "LT", "action": "BUY"}
    assert listed[0]["headers"]["Content-Type"] == "text/plain"
    wait_until(
        lambda: deliveries(live, strategy["id"])[0]["orders"][0]["status"] == "placed", 10, what="placed"
    )


def test_webhook_ids_never_reach_the_host_log(live: LiveHost) -> None:
    strategy = mapped(live, "ONGC", "LONG", quantity=1)
    post_alert(live, strategy["webhook_id"], {"symbol": "NOPE", "action": "BUY"})
    httpx.post(f"{live.url}/strategy/webhook/{strategy['webhook_id']}/extra", timeout=5)
    app_log = (live.server.data_dir / "log" / "app.log").read_text()
    assert strategy["webhook_id"] not in app_log
    assert strategy["webhook_id"] not in live.server.output()
