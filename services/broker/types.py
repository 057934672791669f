"""Values that cross the broker seam: order requests, and the order, trade, position and funds views.

They carry OpenAlgo's vocabulary (actions, price types, products, order statuses) so that both
brokers, the REST API and the upstream client speak the same language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.market.types import Quote

ACTIONS = ("BUY", "SELL")
PRICE_TYPES = ("MARKET", "LIMIT", "SL", "SL-M")
PRODUCTS = ("MIS", "CNC", "NRML")
#: OpenAlgo's order statuses; "pending" is a stop order whose trigger has not been reached.
OPEN_STATUSES = ("open", "pending")
ORDER_STATUSES = (*OPEN_STATUSES, "complete", "cancelled", "rejected")


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    exchange: str
    action: str
    quantity: int
    pricetype: str = "MARKET"
    product: str = "MIS"
    price: float = 0.0
    trigger_price: float = 0.0
    disclosed_quantity: int = 0
    strategy: str = ""
    #: the order journal entry this order is sent for (the dispatcher's orders; None for
    #: /api/v1): a broker that can keep it (the sandbox) places at most one order per entry
    journal_id: int | None = None


@dataclass(frozen=True)
class SmartOrderRequest:
    """An order whose real quantity is whatever takes the position to ``position_size``."""

    order: OrderRequest
    position_size: int


@dataclass(frozen=True)
class ModifyRequest:
    orderid: str
    order: OrderRequest


@dataclass(frozen=True)
class HistoryRequest:
    symbol: str
    exchange: str
    interval: str
    start: date
    end: date


@dataclass(frozen=True)
class QuoteResult:
    """One symbol of a multi-quote: the quote, or why there is none."""

    symbol: str
    exchange: str
    quote: Quote | None = None
    error: str | None = None


@dataclass(frozen=True)
class SmartOrderResult:
    """``orderid`` is None when the position already matched and nothing was sent."""

    orderid: str | None
    message: str = ""


@dataclass(frozen=True)
class CancelAllResult:
    canceled: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (orderid, reason)

    @property
    def message(self) -> str:
        return f"Canceled {len(self.canceled)} orders. Failed to cancel {len(self.failed)} orders."


@dataclass(frozen=True)
class OrderView:
    orderid: str
    symbol: str
    exchange: str
    action: str
    quantity: int
    price: float
    trigger_price: float
    pricetype: str
    product: str
    order_status: str
    average_price: float
    filled_quantity: int
    timestamp: datetime
    strategy: str = ""
    message: str = ""


@dataclass(frozen=True)
class TradeView:
    orderid: str
    symbol: str
    exchange: str
    action: str
    quantity: int
    average_price: float
    product: str
    timestamp: datetime
    strategy: str = ""

    @property
    def trade_value(self) -> float:
        return round(self.quantity * self.average_price, 2)


@dataclass(frozen=True)
class PositionView:
    symbol: str
    exchange: str
    product: str
    quantity: int
    average_price: float
    ltp: float
    pnl: float  # realised + unrealised
    realised_pnl: float = 0.0
    unrealised_pnl: float = 0.0


@dataclass(frozen=True)
class HoldingView:
    symbol: str
    exchange: str
    product: str
    quantity: int
    average_price: float
    ltp: float

    @property
    def pnl(self) -> float:
        return round((self.ltp - self.average_price) * self.quantity, 2)

    @property
    def invested(self) -> float:
        return self.average_price * self.quantity

    @property
    def pnlpercent(self) -> float:
        return round(self.pnl / self.invested * 100, 2) if self.invested else 0.0


@dataclass(frozen=True)
class Funds:
    availablecash: float
    collateral: float
    m2mrealized: float
    m2munrealized: float
    utiliseddebits: float
