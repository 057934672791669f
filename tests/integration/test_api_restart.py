"""Every order is persisted: a restart of the host loses nothing, and resting orders keep matching."""

from __future__ import annotations

from pathlib import Path

from tests.support.clocks import next_trading_moment
from tests.support.sdk import start_live_host
from tests.support.strategies import wait_until


def test_a_restart_keeps_orders_positions_and_resting_orders(tmp_path: Path) -> None:
    # On a trading morning's clock: the order book lists today's orders, and a run that starts
    # at 23:59 would see an empty book after a restart past midnight.
    env = {"SANDBOX_MATCH_INTERVAL_S": "0.1"}
    live = start_live_host(tmp_path / "data", env, clock_at=next_trading_moment(10))
    try:
        client = live.client()
        filled = client.placeorder(symbol="TITAN", action="BUY", exchange="NSE", product="MIS", quantity=3)
        ltp = client.quotes(symbol="TITAN", exchange="NSE")["data"]["ltp"]
        resting = client.placeorder(
            symbol="TITAN",
            action="BUY",
            exchange="NSE",
            product="MIS",
            quantity=2,
            price_type="LIMIT",
            price=round(ltp - 100, 1),
        )
        before_book = client.orderbook()["data"]["orders"]
        before_funds = client.funds()["data"]

        live.restart()
        live.wait_for_master_contract()
        client = live.client()

        after_book = client.orderbook()["data"]["orders"]
        assert {o["orderid"]: o["order_status"] for o in after_book} == {
            o["orderid"]: o["order_status"] for o in before_book
        }
        assert client.orderstatus(order_id=filled["orderid"])["data"]["order_status"] == "complete"
        assert client.openposition(symbol="TITAN", exchange="NSE", product="MIS")["quantity"] == "3"
        assert client.funds()["data"]["utiliseddebits"] == before_funds["utiliseddebits"]

        # The resting order came back with the host and the matcher still fills it.
        live.move_price("TITAN", "NSE", round(ltp - 101, 1))
        wait_until(
            lambda: client.orderstatus(order_id=resting["orderid"])["data"]["order_status"] == "complete",
            20,
            what="the resting order to fill after the restart",
        )
        assert client.openposition(symbol="TITAN", exchange="NSE", product="MIS")["quantity"] == "5"
    finally:
        live.stop()
