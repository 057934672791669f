"""OpenAlgo's JSON shapes, both ways: what /api/v1 answers and what the upstream broker reads.

The field names and types follow OpenAlgo's documented responses exactly (position book values
and funds are strings, order quantities are strings, times are IST), so the ``openalgo`` SDK and
any OpenAlgo client work unchanged against this host, and this host works against OpenAlgo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np

from services.broker.types import Funds, HoldingView, OrderView, PositionView, TradeView
from services.clock import IST, to_ist
from services.market.instruments import Instrument
from services.market.types import Candles, Depth, DepthLevel, Quote

TIME_FORMAT = "%d-%b-%Y %H:%M:%S"
_CANDLE_KEYS = ("timestamp", "open", "high", "low", "close", "volume", "oi")


def _time(moment: datetime) -> str:
    return to_ist(moment).strftime(TIME_FORMAT)


def _amount(value: float) -> str:
    return f"{value:.2f}"


def _number(value: float) -> str:
    return format(value, ".10g")


# Responses ---------------------------------------------------------------------------------
def quote_data(quote: Quote) -> dict[str, Any]:
    return {
        "open": quote.open,
        "high": quote.high,
        "low": quote.low,
        "ltp": quote.ltp,
        "ask": quote.ask,
        "bid": quote.bid,
        "prev_close": quote.prev_close,
        "volume": quote.volume,
        "oi": quote.oi,
    }


def depth_data(depth: Depth) -> dict[str, Any]:
    quote = depth.quote
    return {
        "open": quote.open,
        "high": quote.high,
        "low": quote.low,
        "ltp": quote.ltp,
        "ltq": depth.ltq,
        "prev_close": quote.prev_close,
        "volume": quote.volume,
        "oi": quote.oi,
        "totalbuyqty": depth.totalbuyqty,
        "totalsellqty": depth.totalsellqty,
        "asks": [{"price": level.price, "quantity": level.quantity} for level in depth.asks],
        "bids": [{"price": level.price, "quantity": level.quantity} for level in depth.bids],
    }


def history_rows(candles: Candles) -> list[dict[str, Any]]:
    """One dict per candle, built from the columns in one pass (a year of minutes in ~0.1 s)."""
    columns = [getattr(candles, key).tolist() for key in _CANDLE_KEYS]
    return [dict(zip(_CANDLE_KEYS, row, strict=True)) for row in zip(*columns, strict=True)]


def order_data(order: OrderView) -> dict[str, Any]:
    return {
        "action": order.action,
        "symbol": order.symbol,
        "exchange": order.exchange,
        "orderid": order.orderid,
        "product": order.product,
        "quantity": str(order.quantity),
        "price": order.price,
        "pricetype": order.pricetype,
        "order_status": order.order_status,
        "trigger_price": order.trigger_price,
        "average_price": order.average_price,
        "timestamp": _time(order.timestamp),
    }


def orderbook_data(orders: list[OrderView]) -> dict[str, Any]:
    return {
        "orders": [order_data(order) for order in orders],
        "statistics": {
            "total_buy_orders": float(sum(o.action == "BUY" for o in orders)),
            "total_sell_orders": float(sum(o.action == "SELL" for o in orders)),
            "total_completed_orders": float(sum(o.order_status == "complete" for o in orders)),
            "total_open_orders": float(sum(o.order_status in ("open", "pending") for o in orders)),
            "total_rejected_orders": float(sum(o.order_status == "rejected" for o in orders)),
        },
    }


def trade_data(trade: TradeView) -> dict[str, Any]:
    return {
        "action": trade.action,
        "symbol": trade.symbol,
        "exchange": trade.exchange,
        "orderid": trade.orderid,
        "product": trade.product,
        "quantity": float(trade.quantity),
        "average_price": trade.average_price,
        "timestamp": _time(trade.timestamp),
        "trade_value": trade.trade_value,
    }


def position_data(position: PositionView) -> dict[str, Any]:
    return {
        "symbol": position.symbol,
        "exchange": position.exchange,
        "product": position.product,
        "quantity": str(position.quantity),
        "average_price": _amount(position.average_price),
        "ltp": _number(position.ltp),
        "pnl": _amount(position.pnl),
    }


def holdings_data(holdings: list[HoldingView]) -> dict[str, Any]:
    value = sum(h.ltp * h.quantity for h in holdings)
    invested = sum(h.invested for h in holdings)
    pnl = value - invested
    return {
        "holdings": [
            {
                "symbol": h.symbol,
                "exchange": h.exchange,
                "product": h.product,
                "quantity": h.quantity,
                "pnl": h.pnl,
                "pnlpercent": h.pnlpercent,
            }
            for h in holdings
        ],
        "statistics": {
            "totalholdingvalue": round(value, 2),
            "totalinvvalue": round(invested, 2),
            "totalprofitandloss": round(pnl, 2),
            "totalpnlpercentage": round(pnl / invested * 100, 2) if invested else 0.0,
        },
    }


def funds_data(funds: Funds) -> dict[str, str]:
    return {
        "availablecash": _amount(funds.availablecash),
        "collateral": _amount(funds.collateral),
        "m2mrealized": _amount(funds.m2mrealized),
        "m2munrealized": _amount(funds.m2munrealized),
        "utiliseddebits": _amount(funds.utiliseddebits),
    }


def instrument_data(instrument: Instrument) -> dict[str, Any]:
    return {
        "symbol": instrument.symbol,
        "brsymbol": instrument.symbol,
        "name": instrument.name,
        "exchange": instrument.exchange,
        "brexchange": instrument.exchange,
        "token": instrument.token,
        "expiry": instrument.expiry_text,
        "strike": -1.0,
        "lotsize": instrument.lotsize,
        "instrumenttype": instrument.instrumenttype,
        "tick_size": instrument.tick_size,
    }


# Reading an OpenAlgo server's answers (the upstream broker) -------------------------------------
def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _int(value: Any) -> int:
    return int(_float(value))


def _parse_time(value: Any, fallback: datetime) -> datetime:
    text = str(value or "")
    for pattern in (TIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=IST)
        except ValueError:
            continue
    return fallback


def parse_quote(data: Mapping[str, Any]) -> Quote:
    return Quote(
        open=_float(data.get("open")),
        high=_float(data.get("high")),
        low=_float(data.get("low")),
        ltp=_float(data.get("ltp")),
        ask=_float(data.get("ask")),
        bid=_float(data.get("bid")),
        prev_close=_float(data.get("prev_close")),
        volume=_int(data.get("volume")),
        oi=_int(data.get("oi")),
    )


def parse_depth(data: Mapping[str, Any]) -> Depth:
    def levels(items: Any) -> tuple[DepthLevel, ...]:
        return tuple(DepthLevel(_float(i.get("price")), _int(i.get("quantity"))) for i in items or ())

    return Depth(
        quote=parse_quote(data),
        ltq=_int(data.get("ltq")),
        totalbuyqty=_int(data.get("totalbuyqty")),
        totalsellqty=_int(data.get("totalsellqty")),
        bids=levels(data.get("bids")),
        asks=levels(data.get("asks")),
    )


def parse_candles(rows: Iterable[Mapping[str, Any]]) -> Candles:
    items = list(rows)
    if not items:
        return Candles()

    def column(key: str, kind: type) -> np.ndarray:
        return np.asarray([row.get(key) or 0 for row in items], dtype=kind)

    return Candles(
        timestamp=column("timestamp", np.int64),
        open=column("open", np.float64),
        high=column("high", np.float64),
        low=column("low", np.float64),
        close=column("close", np.float64),
        volume=column("volume", np.int64),
        oi=column("oi", np.int64),
    )


def parse_order(data: Mapping[str, Any], now: datetime) -> OrderView:
    quantity = _int(data.get("quantity"))
    status = str(data.get("order_status", ""))
    return OrderView(
        orderid=str(data.get("orderid", "")),
        symbol=str(data.get("symbol", "")),
        exchange=str(data.get("exchange", "")),
        action=str(data.get("action", "")),
        quantity=quantity,
        price=_float(data.get("price")),
        trigger_price=_float(data.get("trigger_price")),
        pricetype=str(data.get("pricetype", "")),
        product=str(data.get("product", "")),
        order_status=status,
        average_price=_float(data.get("average_price")),
        filled_quantity=quantity if status == "complete" else 0,
        timestamp=_parse_time(data.get("timestamp"), now),
    )


def parse_trade(data: Mapping[str, Any], now: datetime) -> TradeView:
    return TradeView(
        orderid=str(data.get("orderid", "")),
        symbol=str(data.get("symbol", "")),
        exchange=str(data.get("exchange", "")),
        action=str(data.get("action", "")),
        quantity=_int(data.get("quantity")),
        average_price=_float(data.get("average_price")),
        product=str(data.get("product", "")),
        timestamp=_parse_time(data.get("timestamp"), now),
    )


def parse_position(data: Mapping[str, Any]) -> PositionView:
    return PositionView(
        symbol=str(data.get("symbol", "")),
        exchange=str(data.get("exchange", "")),
        product=str(data.get("product", "")),
        quantity=_int(data.get("quantity")),
        average_price=_float(data.get("average_price")),
        ltp=_float(data.get("ltp")),
        pnl=_float(data.get("pnl")),
    )


def parse_holding(data: Mapping[str, Any]) -> HoldingView:
    quantity = _int(data.get("quantity"))
    pnl, percent = _float(data.get("pnl")), _float(data.get("pnlpercent"))
    # OpenAlgo reports P&L, not prices: recover the average and the LTP from P&L and P&L %.
    invested = pnl / percent * 100 if percent else 0.0
    average = invested / quantity if quantity else 0.0
    ltp = average + (pnl / quantity if quantity else 0.0)
    return HoldingView(
        symbol=str(data.get("symbol", "")),
        exchange=str(data.get("exchange", "")),
        product=str(data.get("product", "")),
        quantity=quantity,
        average_price=average,
        ltp=ltp,
    )


def parse_funds(data: Mapping[str, Any]) -> Funds:
    return Funds(
        availablecash=_float(data.get("availablecash")),
        collateral=_float(data.get("collateral")),
        m2mrealized=_float(data.get("m2mrealized")),
        m2munrealized=_float(data.get("m2munrealized")),
        utiliseddebits=_float(data.get("utiliseddebits")),
    )


def parse_instrument(data: Mapping[str, Any]) -> Instrument:
    expiry_text = str(data.get("expiry") or "")
    expiry: date | None = None
    if expiry_text:
        try:
            expiry = datetime.strptime(expiry_text.title(), "%d-%b-%y").date()
        except ValueError:
            expiry = None
    return Instrument(
        exchange=str(data.get("exchange", "")).upper(),
        symbol=str(data.get("symbol", "")),
        name=str(data.get("name") or data.get("symbol", "")),
        instrumenttype=str(data.get("instrumenttype") or ""),
        lotsize=max(1, _int(data.get("lotsize"))),
        tick_size=_float(data.get("tick_size")) or 0.05,
        base_price=0.0,
        token=str(data.get("token", "")),
        expiry=expiry,
    )
