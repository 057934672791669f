"""Paper orders end to end on a fake clock: fills, resting orders and the matcher, margin, positions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.broker.types import ModifyRequest, OrderRequest, SmartOrderRequest
from services.errors import Conflict, InvalidInput, NotFound, Unavailable
from services.market.master_contract import MasterContract
from tests.support.sandbox import SandboxWorld, sandbox_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    w = sandbox_world(tmp_path)
    yield w
    w.close()


def test_a_market_buy_fills_at_the_ask_and_opens_a_position(world: SandboxWorld) -> None:
    quote = world.market.quote(world.instrument("RELIANCE"))
    before = world.broker.funds(world.user_id)
    orderid = world.order("RELIANCE", "BUY", 10, strategy="demo")

    order = world.broker.order_status(world.user_id, orderid)
    assert (order.order_status, order.average_price, order.strategy) == ("complete", quote.ask, "demo")
    [position] = world.broker.position_book(world.user_id)
    assert (position.symbol, position.quantity, position.average_price) == ("RELIANCE", 10, quote.ask)
    assert position.pnl == pytest.approx((quote.ltp - quote.ask) * 10)  # paid the spread
    after = world.broker.funds(world.user_id)
    margin = 10 * quote.ask * 0.2  # MIS: 5x leverage
    assert after.utiliseddebits == pytest.approx(margin)
    assert after.availablecash == pytest.approx(before.availablecash - margin)
    [trade] = world.broker.trade_book(world.user_id)
    assert (trade.orderid, trade.quantity, trade.average_price) == (orderid, 10, quote.ask)


def test_selling_back_realises_the_pnl_and_frees_the_margin(world: SandboxWorld) -> None:
    world.order("TCS", "BUY", 5)
    bought = world.broker.position_book(world.user_id)[0].average_price
    world.move("TCS", bought + 100)
    world.order("TCS", "SELL", 5)
    bid = world.market.quote(world.instrument("TCS")).bid
    [position] = world.broker.position_book(world.user_id)
    assert position.quantity == 0
    assert position.pnl == pytest.approx((bid - bought) * 5)
    funds = world.broker.funds(world.user_id)
    assert funds.utiliseddebits == 0
    assert funds.m2mrealized == pytest.approx((bid - bought) * 5, abs=0.01)
    assert funds.availablecash == pytest.approx(10_000_000 + (bid - bought) * 5, abs=0.01)


def test_a_limit_order_rests_until_the_price_crosses_it(world: SandboxWorld) -> None:
    ltp = world.ltp("INFY")
    limit = round(ltp * 0.95, 1)
    orderid = world.order("INFY", "BUY", 4, pricetype="LIMIT", price=limit)
    assert world.status(orderid) == "open"
    reserved = world.broker.funds(world.user_id).utiliseddebits
    assert reserved == pytest.approx(4 * limit * 0.2)
    assert world.engine.match() == 0  # nothing crossed yet

    world.move("INFY", limit - 2)
    assert world.engine.match() == 1
    order = world.broker.order_status(world.user_id, orderid)
    assert order.order_status == "complete"
    assert order.average_price <= limit  # never worse than the limit
    assert world.broker.open_position(world.user_id, "INFY", "NSE", "MIS") == 4


def test_a_marketable_limit_fills_at_once_at_the_better_price(world: SandboxWorld) -> None:
    ask = world.market.quote(world.instrument("ITC")).ask
    orderid = world.order("ITC", "BUY", 1, pricetype="LIMIT", price=ask + 5)
    order = world.broker.order_status(world.user_id, orderid)
    assert (order.order_status, order.average_price) == ("complete", ask)


def test_stop_orders_wait_for_their_trigger(world: SandboxWorld) -> None:
    ltp = world.ltp("SBIN")
    world.order("SBIN", "BUY", 10)
    stop = world.order("SBIN", "SELL", 10, pricetype="SL-M", trigger_price=round(ltp - 10, 1))
    stop_limit = world.order(
        "SBIN", "BUY", 1, pricetype="SL", trigger_price=round(ltp + 10, 1), price=round(ltp + 11, 1)
    )
    assert world.status(stop) == world.status(stop_limit) == "pending"
    world.move("SBIN", ltp - 11)
    world.engine.match()
    assert world.status(stop) == "complete"
    assert world.status(stop_limit) == "pending"
    world.move("SBIN", ltp + 10.5)
    world.engine.match()
    assert world.status(stop_limit) == "complete"


def test_a_stop_on_the_wrong_side_of_the_market_is_refused(world: SandboxWorld) -> None:
    ltp = world.ltp("SBIN")
    with pytest.raises(InvalidInput, match="above the last traded price") as caught:
        world.order("SBIN", "BUY", 1, pricetype="SL-M", trigger_price=ltp - 5)
    assert "trigger_price" in caught.value.fields


def test_an_order_it_cannot_afford_is_rejected_and_recorded(tmp_path: Path) -> None:
    poor = sandbox_world(tmp_path, capital=10_000.0)
    try:
        with pytest.raises(InvalidInput, match="Insufficient funds") as caught:
            poor.order("MARUTI", "BUY", 10, product="CNC")
        orderid = caught.value.details["orderid"]
        order = poor.broker.order_status(poor.user_id, orderid)
        assert order.order_status == "rejected" and "Insufficient funds" in order.message
        assert poor.broker.funds(poor.user_id).availablecash == 10_000.0
        assert poor.broker.position_book(poor.user_id) == []
    finally:
        poor.close()


def test_a_cnc_sell_needs_holdings(world: SandboxWorld) -> None:
    with pytest.raises(InvalidInput, match="CNC sell rejected"):
        world.order("HDFCBANK", "SELL", 1, product="CNC")
    world.order("HDFCBANK", "BUY", 3, product="CNC")
    [holding] = world.broker.holdings(world.user_id)
    assert (holding.symbol, holding.quantity, holding.product) == ("HDFCBANK", 3, "CNC")
    with pytest.raises(InvalidInput, match="you hold 3"):
        world.order("HDFCBANK", "SELL", 4, product="CNC")
    world.order("HDFCBANK", "SELL", 3, product="CNC")
    assert world.broker.holdings(world.user_id) == []
    world.order("HDFCBANK", "SELL", 1, product="MIS")  # intraday shorting is allowed


@pytest.mark.parametrize(
    ("symbol", "exchange", "fields", "field"),
    [
        ("NIFTY", "NSE_INDEX", {}, "symbol"),
        ("NOSUCH", "NSE", {}, "symbol"),
        ("BTCUSDT", "CRYPTO", {"product": "CNC"}, "product"),
        ("RELIANCE", "NSE", {"product": "NRML"}, "product"),
    ],
)
def test_untradable_orders_are_refused(
    world: SandboxWorld, symbol: str, exchange: str, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        world.order(symbol, "BUY", 1, exchange=exchange, **fields)
    assert field in caught.value.fields


def test_futures_trade_in_whole_lots_with_futures_margin(world: SandboxWorld) -> None:
    future = next(i for i in world.master.index.by_exchange("NFO") if i.name == "NIFTY")
    with pytest.raises(InvalidInput, match="lot size 65"):
        world.order(future.symbol, "BUY", 1, exchange="NFO", product="NRML")
    world.order(future.symbol, "BUY", 65, exchange="NFO", product="NRML")
    ask = world.broker.order_book(world.user_id)[0].average_price
    assert world.broker.funds(world.user_id).utiliseddebits == pytest.approx(65 * ask * 0.15)


def test_modify_and_cancel_a_resting_order(world: SandboxWorld) -> None:
    ltp = world.ltp("BEL")
    orderid = world.order("BEL", "BUY", 10, pricetype="LIMIT", price=round(ltp - 20, 2))
    modified = OrderRequest("BEL", "NSE", "BUY", 20, "LIMIT", "MIS", round(ltp - 30, 2))
    world.broker.modify_order(world.user_id, ModifyRequest(orderid, modified))
    order = world.broker.order_status(world.user_id, orderid)
    assert (order.quantity, order.price, order.order_status) == (20, round(ltp - 30, 2), "open")
    with pytest.raises(InvalidInput, match="Cancel the order"):
        flipped = OrderRequest("BEL", "NSE", "SELL", 20, "LIMIT", "MIS", ltp)
        world.broker.modify_order(world.user_id, ModifyRequest(orderid, flipped))

    world.broker.cancel_order(world.user_id, orderid)
    assert world.status(orderid) == "cancelled"
    assert world.broker.funds(world.user_id).utiliseddebits == 0
    with pytest.raises(Conflict):
        world.broker.cancel_order(world.user_id, orderid)
    with pytest.raises(NotFound):
        world.broker.cancel_order(world.user_id, "999")


def test_modifying_a_limit_across_the_market_fills_it(world: SandboxWorld) -> None:
    ask = world.market.quote(world.instrument("NTPC")).ask
    orderid = world.order("NTPC", "BUY", 1, pricetype="LIMIT", price=round(ask - 5, 2))
    request = OrderRequest("NTPC", "NSE", "BUY", 1, "LIMIT", "MIS", ask + 1)
    world.broker.modify_order(world.user_id, ModifyRequest(orderid, request))
    assert world.status(orderid) == "complete"


def test_cancel_all_and_close_all(world: SandboxWorld) -> None:
    ltp = world.ltp("COALINDIA")
    resting = [
        world.order("COALINDIA", "BUY", 1, pricetype="LIMIT", price=round(ltp - i - 5, 2)) for i in range(3)
    ]
    world.order("COALINDIA", "BUY", 7)
    world.order("TCS", "SELL", 2)
    result = world.broker.cancel_all_orders(world.user_id, "demo")
    assert sorted(result.canceled) == sorted(resting) and result.failed == ()
    assert world.broker.close_position(world.user_id, "demo") == "All Open Positions Squared Off"
    assert all(p.quantity == 0 for p in world.broker.position_book(world.user_id))
    assert world.broker.close_position(world.user_id, "demo") == "No open positions to close"


def _smart(world: SandboxWorld, action: str, quantity: int, size: int) -> str | None:
    order = OrderRequest("ICICIBANK", "NSE", action, quantity, strategy="smart")
    return world.broker.place_smart_order(world.user_id, SmartOrderRequest(order, size)).orderid


def test_smart_orders_move_the_position_to_the_target(world: SandboxWorld) -> None:
    position = lambda: world.broker.open_position(world.user_id, "ICICIBANK", "NSE", "MIS")  # noqa: E731
    assert _smart(world, "BUY", 10, 10) and position() == 10  # flat -> long
    result = world.broker.place_smart_order(
        world.user_id, SmartOrderRequest(OrderRequest("ICICIBANK", "NSE", "BUY", 10), 10)
    )
    assert result.orderid is None and result.message == "Positions Already Matched. No Action needed."
    assert _smart(world, "SELL", 10, -5) and position() == -5  # long -> short
    assert _smart(world, "BUY", 0, 0) and position() == 0  # short -> flat
    orders = world.broker.order_book(world.user_id)
    assert [(o.action, o.quantity) for o in reversed(orders)] == [("BUY", 10), ("SELL", 15), ("BUY", 5)]


def _smart_limit(world: SandboxWorld, action: str, size: int, price: float) -> tuple[str | None, str]:
    order = OrderRequest("ICICIBANK", "NSE", action, 0, pricetype="LIMIT", price=price, strategy="smart")
    result = world.broker.place_smart_order(world.user_id, SmartOrderRequest(order, size))
    return result.orderid, result.message


def test_a_repeated_smart_limit_order_does_not_stack(world: SandboxWorld) -> None:
    ltp = world.ltp("ICICIBANK")
    below = round(ltp * 0.97, 1)  # rests: below the market
    first, _ = _smart_limit(world, "BUY", 10, below)
    assert first is not None and world.status(first) == "open"
    # The same signal again (a strategy's next tick, a retried webhook): nothing more is placed.
    again, message = _smart_limit(world, "BUY", 10, below)
    assert again is None and "already" in message
    # A larger target places only the difference to position + working orders.
    more, _ = _smart_limit(world, "BUY", 15, below)
    assert more is not None and world.broker.order_status(world.user_id, more).quantity == 5
    world.move("ICICIBANK", below - 5)
    world.engine.match()
    assert world.broker.open_position(world.user_id, "ICICIBANK", "NSE", "MIS") == 15  # not 25

    # Going back down: a working SELL counts the same way.
    above = round((below - 5) * 1.03, 1)
    sell, _ = _smart_limit(world, "SELL", 5, above)
    assert sell is not None and world.broker.order_status(world.user_id, sell).quantity == 10
    assert _smart_limit(world, "SELL", 5, above)[0] is None
    open_orders = [o for o in world.broker.order_book(world.user_id) if o.order_status == "open"]
    assert [(o.action, o.quantity) for o in open_orders] == [("SELL", 10)]


def test_a_waiting_stop_loss_does_not_count_as_working_towards_the_target(world: SandboxWorld) -> None:
    ltp = world.ltp("ICICIBANK")
    assert _smart(world, "BUY", 10, 10)
    stop = world.order("ICICIBANK", "SELL", 10, pricetype="SL-M", trigger_price=round(ltp * 0.95, 1))
    assert world.status(stop) == "pending"
    # The exit signal still exits: the stop-loss is protection, not an exit on its way.
    assert _smart(world, "SELL", 0, 0)
    assert world.broker.open_position(world.user_id, "ICICIBANK", "NSE", "MIS") == 0


def test_the_matcher_survives_a_reloaded_master_contract(world: SandboxWorld) -> None:
    ltp = world.ltp("TRENT")
    orderid = world.order("TRENT", "BUY", 1, pricetype="LIMIT", price=round(ltp - 50, 1))
    world.master._index = type(world.master.index)(  # a new list without TRENT
        i for i in world.master.index if i.symbol != "TRENT"
    )
    world.engine.match()
    order = world.broker.order_status(world.user_id, orderid)
    assert order.order_status == "cancelled" and "no longer" in order.message


def test_nothing_works_before_the_master_contract_is_loaded(world: SandboxWorld) -> None:
    empty = MasterContract(world.db, world.clock, lambda today: [])
    world.broker._master = empty
    with pytest.raises(Unavailable, match="master contract is not loaded"):
        world.broker.quote("RELIANCE", "NSE")
    with pytest.raises(Unavailable):
        world.order("RELIANCE", "BUY", 1)


def test_an_order_sent_again_for_the_same_journal_entry_is_placed_once(world: SandboxWorld) -> None:
    assert world.broker.placement(41) is None
    first = world.order("SBIN", "BUY", 2, journal_id=41)
    again = world.order("SBIN", "BUY", 2, journal_id=41)  # a retry after a crash
    assert again == first
    assert [o.orderid for o in world.broker.order_book(world.user_id)] == [first]
    assert world.broker.position_book(world.user_id)[0].quantity == 2
    placed = world.broker.placement(41)
    assert placed is not None and (placed.orderid, placed.status) == (first, "complete")
    other = world.order("SBIN", "BUY", 1, journal_id=42)
    assert other != first


def test_a_smart_order_sent_again_for_its_journal_entry_is_not_re_planned(world: SandboxWorld) -> None:
    order = OrderRequest("ICICIBANK", "NSE", "BUY", 0, strategy="smart", journal_id=7)
    first = world.broker.place_smart_order(world.user_id, SmartOrderRequest(order, 5)).orderid
    # Planned again, a second order would not be needed (the position is 5 now); replayed, the
    # first order is the answer and nothing new is placed.
    again = world.broker.place_smart_order(world.user_id, SmartOrderRequest(order, 5)).orderid
    assert first is not None and again == first
    placed = world.broker.placement(7)
    assert placed is not None and placed.orderid == first
    assert len(world.broker.order_book(world.user_id)) == 1


def test_a_rejected_journal_order_is_rejected_again_when_resent(tmp_path: Path) -> None:
    poor = sandbox_world(tmp_path, capital=10_000.0)
    try:
        for _ in range(2):
            with pytest.raises(InvalidInput, match="Insufficient funds"):
                poor.order("MARUTI", "BUY", 10, product="CNC", journal_id=3)
        placed = poor.broker.placement(3)
        assert placed is not None and placed.status == "rejected"
        assert len(poor.broker.order_book(poor.user_id)) == 1
    finally:
        poor.close()
