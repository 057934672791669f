"""The /sandbox page: funds, positions, order book and trade book, live; the master contract and its reload.

Also provides the master-contract badge of the top bar (a context processor for every page) and,
while the sandbox broker is active, moving a symbol's simulated price (to see a stop trigger or a
limit fill without waiting for the market).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from blueprints.web import host, json_body, ok
from services.broker.types import OrderView, PositionView, TradeView
from services.clock import ist_iso, to_ist
from services.errors import Conflict, HostError, InvalidInput

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

#: Order statuses drawn with the stylesheet's badge colours.
ORDER_BADGES = {"complete": "success", "rejected": "error", "open": "pending", "pending": "waiting"}
BADGE_LABELS = {"pending": "pending", "downloading": "downloading…", "success": "ready", "error": "error"}


def _position(p: PositionView) -> dict[str, Any]:
    return {
        "symbol": p.symbol,
        "exchange": p.exchange,
        "product": p.product,
        "quantity": p.quantity,
        "average_price": round(p.average_price, 2),
        "ltp": p.ltp,
        "pnl": p.pnl,
        "realised_pnl": p.realised_pnl,
        "unrealised_pnl": p.unrealised_pnl,
    }


def _order(o: OrderView) -> dict[str, Any]:
    return {
        "time": to_ist(o.timestamp).strftime("%H:%M:%S"),
        "date": to_ist(o.timestamp).strftime("%d-%b"),
        "orderid": o.orderid,
        "symbol": o.symbol,
        "exchange": o.exchange,
        "action": o.action,
        "quantity": o.quantity,
        "pricetype": o.pricetype,
        "product": o.product,
        "price": o.price,
        "trigger_price": o.trigger_price,
        "status": o.order_status,
        "badge": ORDER_BADGES.get(o.order_status, ""),
        "average_price": o.average_price,
        "message": o.message,
    }


def _trade(t: TradeView) -> dict[str, Any]:
    return {
        "time": to_ist(t.timestamp).strftime("%H:%M:%S"),
        "orderid": t.orderid,
        "symbol": t.symbol,
        "exchange": t.exchange,
        "action": t.action,
        "quantity": t.quantity,
        "price": t.average_price,
        "value": t.trade_value,
        "product": t.product,
    }


def snapshot(user_id: int) -> dict[str, Any]:
    """Everything the page shows, as JSON-friendly values."""
    the_host = host()
    broker = the_host.broker
    market = the_host.sandbox_market
    data: dict[str, Any] = {
        "broker": broker.name,
        "mode": broker.mode,
        "master_contract": the_host.master_contract.state().as_dict(),
        "funds": None,
        "positions": [],
        "orders": [],
        "trades": [],
        "moved_prices": [],
        "error": None,
        "updated_at": ist_iso(the_host.clock.now()),
    }
    if market is not None:
        data["moved_prices"] = [
            {"exchange": exchange, "symbol": symbol, "factor": round(factor, 6)}
            for (exchange, symbol), factor in sorted(market.moved_symbols().items())
        ]
    if not len(the_host.master_contract.index):
        return data
    try:
        funds = broker.funds(user_id)
        data["funds"] = {
            "available": funds.availablecash,
            "used_margin": funds.utiliseddebits,
            "realised": funds.m2mrealized,
            "unrealised": funds.m2munrealized,
        }
        data["positions"] = [_position(p) for p in broker.position_book(user_id)]
        data["orders"] = [_order(o) for o in broker.order_book(user_id)]
        data["trades"] = [_trade(t) for t in broker.trade_book(user_id)]
    except HostError as error:  # e.g. the upstream server is down: show it, keep the page
        data["error"] = error.message
    return data


@bp.get("")
@login_required
def index() -> str:
    return render_template("sandbox.html", snapshot=snapshot(current_user.id))


@bp.get("/data")
@login_required
def data() -> Any:
    return ok(snapshot(current_user.id))


@bp.post("/master-contract/reload")
@login_required
def reload_master_contract() -> Any:
    started = host().master_contract.reload()
    message = "Master contract download started." if started else "A download is already running."
    return ok(host().master_contract.state().as_dict(), message, 202)


@bp.post("/price")
@login_required
def move_price() -> Any:
    """Move a symbol's simulated price (``price``), or put it back on its own path (``price: null``)."""
    market = host().sandbox_market
    if market is None:
        raise Conflict("Prices can only be moved while the sandbox broker is active.")
    payload = json_body()
    exchange = str(payload.get("exchange") or "").strip().upper()
    symbol = str(payload.get("symbol") or "").strip().upper()
    if not exchange or not symbol:
        raise InvalidInput("Give the exchange and the symbol.", fields={"symbol": "is required"})
    instrument = host().master_contract.index.require(exchange, symbol)
    price = payload.get("price")
    if price is None or price == "":
        market.clear_price(instrument)
        return ok({"ltp": market.quote(instrument).ltp}, f"{symbol} follows its simulated path again.")
    try:
        value = float(price)
    except (TypeError, ValueError):
        raise InvalidInput("The price must be a number.", fields={"price": "must be a number"}) from None
    quote = market.set_price(instrument, value)
    return ok({"ltp": quote.ltp}, f"{symbol} moved to {quote.ltp}.")


@bp.app_context_processor
def master_contract_badge() -> dict[str, Any]:
    """The top bar's master-contract badge, on every page a logged-in user sees."""
    if not current_user.is_authenticated:
        return {}
    state = host().master_contract.state()
    return {
        "master_contract_badge": {
            "status": state.status,
            "label": BADGE_LABELS.get(state.status, state.status),
            "title": state.error or f"{state.symbol_count} symbols",
        },
        # A function, so that only the page that shows the summary (the dashboard) pays for it.
        "sandbox_summary": lambda: account_summary(current_user.id),
    }


def account_summary(user_id: int) -> dict[str, Any] | None:
    """Funds and open positions in a few numbers (None until the broker can answer)."""
    the_host = host()
    if not len(the_host.master_contract.index):
        return None
    try:
        funds = the_host.broker.funds(user_id)
        positions = the_host.broker.position_book(user_id)
    except HostError:
        return None
    return {
        "broker": the_host.broker.name,
        "available": funds.availablecash,
        "used_margin": funds.utiliseddebits,
        "pnl": round(funds.m2mrealized + funds.m2munrealized, 2),
        "open_positions": sum(1 for p in positions if p.quantity),
    }
