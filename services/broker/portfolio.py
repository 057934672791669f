"""The paper trader's view of an account, for the ``/sandbox`` page and the dashboard card.

``Portfolio`` assembles funds, positions, the order and trade books, the master contract's state and
the sandbox's moved prices into JSON-friendly values (the page's script draws them as they come),
and moves a symbol's simulated price. A broker that cannot answer right now (the upstream server
is down) shows as ``error`` on the page instead of failing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from services.broker.interface import Broker
from services.broker.types import OrderView, PositionView, TradeView
from services.broker.validation import MAX_PRICE
from services.clock import Clock, ist_iso, to_ist
from services.errors import Conflict, HostError, InvalidInput
from services.market.market_data import MarketData
from services.market.master_contract import MasterContract

#: Order statuses drawn with the stylesheet's badge colours.
ORDER_BADGES = {"complete": "success", "rejected": "error", "open": "pending", "pending": "waiting"}


@dataclass(frozen=True)
class PriceMove:
    """Move ``symbol``'s simulated price to ``price``, or back onto its own path (None)."""

    exchange: str
    symbol: str
    price: float | None


def parse_price_move(payload: dict[str, Any]) -> PriceMove:
    """The ``/sandbox/price`` body: ``exchange``, ``symbol`` and a ``price`` (null/"" to clear)."""
    exchange = str(payload.get("exchange") or "").strip().upper()
    symbol = str(payload.get("symbol") or "").strip().upper()
    if not exchange or not symbol:
        raise InvalidInput("Give the exchange and the symbol.", fields={"symbol": "is required"})
    raw = payload.get("price")
    if raw is None or raw == "":
        return PriceMove(exchange, symbol, None)
    try:
        price = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError, OverflowError):
        price = math.nan
    # Checked before anything moves: one absurd price (1e308, nan) used to make every later
    # order and funds call of the account fail. The market also bounds it by the symbol's price.
    if not math.isfinite(price) or price <= 0 or price > MAX_PRICE:
        raise InvalidInput(
            f"The price must be a number above 0 and at most {MAX_PRICE:,.0f}.",
            fields={"price": f"must be above 0 and at most {MAX_PRICE:,.0f}"},
        )
    return PriceMove(exchange, symbol, price)


class Portfolio:
    def __init__(
        self, broker: Broker, master_contract: MasterContract, market: MarketData | None, clock: Clock
    ) -> None:
        self._broker = broker
        self._master = master_contract
        self._market = market
        self._clock = clock

    def snapshot(self, account: int) -> dict[str, Any]:
        """Everything the ``/sandbox`` page shows."""
        data: dict[str, Any] = {
            "broker": self._broker.name,
            "mode": self._broker.mode,
            "master_contract": self._master.state().as_dict(),
            "funds": None,
            "positions": [],
            "orders": [],
            "trades": [],
            "moved_prices": self._moved_prices(),
            "error": None,
            "updated_at": ist_iso(self._clock.now()),
        }
        if not len(self._master.index):
            return data
        try:
            funds = self._broker.funds(account)
            data["funds"] = {
                "available": funds.availablecash,
                "used_margin": funds.utiliseddebits,
                "realised": funds.m2mrealized,
                "unrealised": funds.m2munrealized,
            }
            data["positions"] = [_position(p) for p in self._broker.position_book(account)]
            data["orders"] = [_order(o) for o in self._broker.order_book(account)]
            data["trades"] = [_trade(t) for t in self._broker.trade_book(account)]
        except HostError as error:  # e.g. the upstream server is down: show it, keep the page
            data["error"] = error.message
        return data

    def summary(self, account: int) -> dict[str, Any] | None:
        """Funds and open positions in a few numbers (None until the broker can answer)."""
        if not len(self._master.index):
            return None
        try:
            funds = self._broker.funds(account)
            positions = self._broker.position_book(account)
        except HostError:
            return None
        return {
            "broker": self._broker.name,
            "available": funds.availablecash,
            "used_margin": funds.utiliseddebits,
            "pnl": round(funds.m2mrealized + funds.m2munrealized, 2),
            "open_positions": sum(1 for p in positions if p.quantity),
        }

    def move_price(self, move: PriceMove) -> tuple[float, str]:
        """Apply ``move``; returns the symbol's price now and a sentence for the trader."""
        if self._market is None:
            raise Conflict("Prices can only be moved while the sandbox broker is active.")
        instrument = self._master.index.require(move.exchange, move.symbol)
        if move.price is None:
            self._market.clear_price(instrument)
            return self._market.quote(instrument).ltp, f"{move.symbol} follows its simulated path again."
        quote = self._market.set_price(instrument, move.price)
        return quote.ltp, f"{move.symbol} moved to {quote.ltp}."

    def _moved_prices(self) -> list[dict[str, Any]]:
        if self._market is None:
            return []
        return [
            {"exchange": exchange, "symbol": symbol, "factor": round(factor, 6)}
            for (exchange, symbol), factor in sorted(self._market.moved_symbols().items())
        ]


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
