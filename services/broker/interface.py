"""The broker seam: what the REST API, the order router and the sandbox page ask of a broker.

Two implementations, chosen by the BROKER setting: the embedded sandbox (paper trading on
simulated market data) and the upstream broker (forwards to a real OpenAlgo server). ``account``
is the host user the call is made for (the owner of the API key); the sandbox keeps one paper
account per user, the upstream broker trades the account of its UPSTREAM_API_KEY.

Errors are the host's own (``services.errors``): InvalidInput for a bad request, NotFound for an
unknown order, Conflict for an order that is no longer open, Unavailable when the broker cannot
answer right now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from services.broker.types import (
    CancelAllResult,
    Funds,
    HistoryRequest,
    HoldingView,
    ModifyRequest,
    OrderRequest,
    OrderView,
    PositionView,
    QuoteResult,
    SmartOrderRequest,
    SmartOrderResult,
    TradeView,
)
from services.market.instruments import Instrument
from services.market.types import Candles, Depth, Quote


class Broker(Protocol):
    """Market data, orders and account views of one broker."""

    #: shown by /api/v1/ping and on the pages ("sandbox", "upstream")
    name: str
    #: OpenAlgo's "mode" for responses: "analyze" for paper trading, None for a live broker
    mode: str | None

    def ping(self) -> None:
        """Raise Unavailable when the broker cannot serve requests."""

    def download_instruments(self, today: date) -> list[Instrument]:
        """The master contract as of ``today`` (called by the master-contract download)."""

    def intervals(self) -> dict[str, list[str]]: ...

    def quote(self, symbol: str, exchange: str) -> Quote: ...

    def multi_quote(self, items: Sequence[tuple[str, str]]) -> list[QuoteResult]: ...

    def depth(self, symbol: str, exchange: str) -> Depth: ...

    def history(self, request: HistoryRequest) -> Candles: ...

    def place_order(self, account: int, order: OrderRequest) -> str:
        """Place ``order``; returns its order id."""

    def place_smart_order(self, account: int, request: SmartOrderRequest) -> SmartOrderResult: ...

    def modify_order(self, account: int, request: ModifyRequest) -> str: ...

    def cancel_order(self, account: int, orderid: str) -> str: ...

    def cancel_all_orders(self, account: int, strategy: str) -> CancelAllResult: ...

    def close_position(self, account: int, strategy: str) -> str:
        """Square off every open position at market; returns OpenAlgo's message."""

    def order_status(self, account: int, orderid: str) -> OrderView: ...

    def open_position(self, account: int, symbol: str, exchange: str, product: str) -> int: ...

    def order_book(self, account: int) -> list[OrderView]: ...

    def trade_book(self, account: int) -> list[TradeView]: ...

    def position_book(self, account: int) -> list[PositionView]: ...

    def holdings(self, account: int) -> list[HoldingView]: ...

    def funds(self, account: int) -> Funds: ...
