"""The upstream broker: forwards every call to a real OpenAlgo server (live trading).

Each call is one POST to ``UPSTREAM_HOST/api/v1/<endpoint>`` with ``UPSTREAM_API_KEY`` and a
timeout. The upstream's answer is read with the same OpenAlgo shapes this host serves, and its
errors become the host's own: a refused key, a timeout or an unreachable server are Unavailable
(503) with a message that names the upstream, never a hang or a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from services.broker import wire
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
from services.clock import Clock
from services.errors import Conflict, HostError, InvalidInput, NotFound, RateLimited, Unavailable
from services.market.instruments import Instrument
from services.market.types import Candles, Depth, Quote

log = logging.getLogger(__name__)

#: The exchanges whose instruments make up the master contract of an OpenAlgo server.
MASTER_EXCHANGES = ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NSE_INDEX", "BSE_INDEX", "CRYPTO")


def _order_payload(order: OrderRequest) -> dict[str, str]:
    return {
        "strategy": order.strategy or "Python",
        "symbol": order.symbol,
        "exchange": order.exchange,
        "action": order.action,
        "quantity": str(order.quantity),
        "pricetype": order.pricetype,
        "product": order.product,
        "price": str(order.price),
        "trigger_price": str(order.trigger_price),
        "disclosed_quantity": str(order.disclosed_quantity),
    }


class UpstreamBroker:
    name = "upstream"
    mode: str | None = None

    def __init__(self, base_url: str, api_key: str, clock: Clock, client: httpx.Client) -> None:
        self._base = base_url.rstrip("/") + "/api/v1/"
        self._api_key = api_key
        self._clock = clock
        self._client = client
        self.url = base_url.rstrip("/")

    def close(self) -> None:
        self._client.close()

    # Transport -----------------------------------------------------------------------------
    def _call(self, endpoint: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"apikey": self._api_key, **(payload or {})}
        try:
            response = self._client.post(self._base + endpoint, json=body)
        except httpx.TimeoutException:
            raise Unavailable(f"The upstream OpenAlgo server at {self.url} did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise Unavailable(f"Cannot reach the upstream OpenAlgo server at {self.url}: {exc}.") from None
        return self._answer(endpoint, response)

    def _answer(self, endpoint: str, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Unavailable(
                f"The upstream OpenAlgo server at {self.url} sent an unreadable answer to {endpoint} "
                f"(HTTP {response.status_code})."
            )
        if response.status_code == 200 and data.get("status") != "error":
            return data
        message = str(data.get("message") or f"HTTP {response.status_code}")
        raise self._error(response.status_code, message)

    def _error(self, status: int, message: str) -> HostError:
        if status == 403:
            return Unavailable(
                f"The upstream OpenAlgo server at {self.url} refused UPSTREAM_API_KEY: {message}"
            )
        error_type: type[HostError] = {
            400: InvalidInput,
            404: NotFound,
            409: Conflict,
            429: RateLimited,
        }.get(status, Unavailable)
        if error_type is Unavailable:
            return Unavailable(f"The upstream OpenAlgo server failed: {message}")
        return error_type(message)

    # Market data -------------------------------------------------------------------------------
    def ping(self) -> None:
        self._call("ping")

    def download_instruments(self, today: date) -> list[Instrument]:
        instruments: list[Instrument] = []
        for exchange in MASTER_EXCHANGES:
            try:
                response = self._client.get(
                    self._base + "instruments", params={"apikey": self._api_key, "exchange": exchange}
                )
            except httpx.HTTPError as exc:
                raise Unavailable(
                    f"Cannot reach the upstream OpenAlgo server at {self.url}: {exc}."
                ) from None
            if response.status_code == 400:
                continue  # the upstream does not list this exchange
            data = self._answer("instruments", response)
            instruments.extend(wire.parse_instrument(row) for row in data.get("data") or [])
        return instruments

    def intervals(self) -> dict[str, list[str]]:
        data = self._call("intervals").get("data") or {}
        return {str(k): [str(v) for v in values] for k, values in data.items()}

    def quote(self, symbol: str, exchange: str) -> Quote:
        return wire.parse_quote(self._call("quotes", {"symbol": symbol, "exchange": exchange})["data"])

    def multi_quote(self, items: Sequence[tuple[str, str]]) -> list[QuoteResult]:
        symbols = [{"symbol": symbol, "exchange": exchange} for symbol, exchange in items]
        results = []
        for item in self._call("multiquotes", {"symbols": symbols}).get("results") or []:
            data = item.get("data")
            results.append(
                QuoteResult(
                    symbol=str(item.get("symbol", "")),
                    exchange=str(item.get("exchange", "")),
                    quote=wire.parse_quote(data) if isinstance(data, dict) else None,
                    error=item.get("error"),
                )
            )
        return results

    def depth(self, symbol: str, exchange: str) -> Depth:
        return wire.parse_depth(self._call("depth", {"symbol": symbol, "exchange": exchange})["data"])

    def history(self, request: HistoryRequest) -> Candles:
        payload = {
            "symbol": request.symbol,
            "exchange": request.exchange,
            "interval": request.interval,
            "start_date": request.start.isoformat(),
            "end_date": request.end.isoformat(),
        }
        return wire.parse_candles(self._call("history", payload).get("data") or [])

    # Orders ------------------------------------------------------------------------------------
    def place_order(self, account: int, order: OrderRequest) -> str:
        return str(self._call("placeorder", _order_payload(order))["orderid"])

    def place_smart_order(self, account: int, request: SmartOrderRequest) -> SmartOrderResult:
        payload = {**_order_payload(request.order), "position_size": str(request.position_size)}
        data = self._call("placesmartorder", payload)
        orderid = data.get("orderid")
        return SmartOrderResult(None if orderid in (None, "") else str(orderid), str(data.get("message", "")))

    def modify_order(self, account: int, request: ModifyRequest) -> str:
        payload = {**_order_payload(request.order), "orderid": request.orderid}
        return str(self._call("modifyorder", payload).get("orderid", request.orderid))

    def cancel_order(self, account: int, orderid: str) -> str:
        return str(
            self._call("cancelorder", {"orderid": orderid, "strategy": "Python"}).get("orderid", orderid)
        )

    def cancel_all_orders(self, account: int, strategy: str) -> CancelAllResult:
        data = self._call("cancelallorder", {"strategy": strategy or "Python"})
        failed = tuple(
            (str(item.get("orderid", "")), str(item.get("reason") or item.get("message") or ""))
            for item in data.get("failed_cancellations") or []
        )
        return CancelAllResult(tuple(str(o) for o in data.get("canceled_orders") or []), failed)

    def close_position(self, account: int, strategy: str) -> str:
        return str(self._call("closeposition", {"strategy": strategy or "Python"}).get("message", ""))

    # Account views -----------------------------------------------------------------------------
    def order_status(self, account: int, orderid: str) -> OrderView:
        data = self._call("orderstatus", {"orderid": orderid, "strategy": "Python"})["data"]
        return wire.parse_order(data, self._clock.now())

    def open_position(self, account: int, symbol: str, exchange: str, product: str) -> int:
        payload = {"symbol": symbol, "exchange": exchange, "product": product, "strategy": "Python"}
        return int(float(self._call("openposition", payload).get("quantity", 0)))

    def order_book(self, account: int) -> list[OrderView]:
        data = self._call("orderbook").get("data") or {}
        now = self._clock.now()
        return [wire.parse_order(item, now) for item in data.get("orders") or []]

    def trade_book(self, account: int) -> list[TradeView]:
        now = self._clock.now()
        return [wire.parse_trade(item, now) for item in self._call("tradebook").get("data") or []]

    def position_book(self, account: int) -> list[PositionView]:
        return [wire.parse_position(item) for item in self._call("positionbook").get("data") or []]

    def holdings(self, account: int) -> list[HoldingView]:
        data = self._call("holdings").get("data") or {}
        return [wire.parse_holding(item) for item in data.get("holdings") or []]

    def funds(self, account: int) -> Funds:
        return wire.parse_funds(self._call("funds").get("data") or {})
