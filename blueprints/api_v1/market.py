"""/api/v1 market data and symbols: ping, quotes, multiquotes, depth, history, intervals, instruments."""

from __future__ import annotations

from flask import Response

from blueprints.api_v1.common import body, bp, caller, success
from blueprints.web import host
from services.broker import validation, wire
from services.errors import NotFound


@bp.post("/ping")
def ping() -> Response:
    caller(body())
    host().venue.broker.ping()
    return success(data={"message": "pong", "broker": host().venue.broker.name})


@bp.post("/analyzer")
def analyzer() -> Response:
    caller(body())
    analyze = host().venue.broker.mode == "analyze"
    return success(data={"analyze_mode": analyze, "mode": "analyze" if analyze else "live", "total_logs": 0})


@bp.post("/quotes")
def quotes() -> Response:
    payload = body()
    caller(payload)
    symbol, exchange = validation.parse_symbol(payload)
    return success(data=wire.quote_data(host().venue.broker.quote(symbol, exchange)))


@bp.post("/multiquotes")
def multiquotes() -> Response:
    payload = body()
    caller(payload)
    results = []
    for item in host().venue.broker.multi_quote(validation.parse_symbols(payload)):
        entry: dict[str, object] = {"symbol": item.symbol, "exchange": item.exchange}
        if item.quote is not None:
            entry["data"] = wire.quote_data(item.quote)
        else:
            entry["error"] = item.error or "No quote"
        results.append(entry)
    return success(results=results)


@bp.post("/depth")
def depth() -> Response:
    payload = body()
    caller(payload)
    symbol, exchange = validation.parse_symbol(payload)
    return success(data=wire.depth_data(host().venue.broker.depth(symbol, exchange)))


@bp.post("/history")
def history() -> Response:
    payload = body()
    caller(payload)
    request = validation.parse_history(payload)
    return success(data=wire.history_rows(host().venue.broker.history(request)))


@bp.post("/intervals")
def intervals() -> Response:
    caller(body())
    return success(data=host().venue.broker.intervals())


@bp.post("/symbol")
def symbol() -> Response:
    payload = body()
    caller(payload)
    name, exchange = validation.parse_symbol(payload)
    instrument = host().venue.master_contract.index.get(exchange, name)
    if instrument is None:
        raise NotFound(f"Symbol {name} was not found on {exchange}.")
    return success(data=wire.instrument_data(instrument))


@bp.post("/search")
def search() -> Response:
    payload = body()
    caller(payload)
    query, exchange = validation.parse_search(payload)
    found = host().venue.master_contract.index.search(query, exchange)
    return success(
        message=f"Found {len(found)} matching symbols", data=[wire.instrument_data(i) for i in found]
    )


@bp.route("/instruments", methods=["GET", "POST"])
def instruments() -> Response:
    payload = body()
    caller(payload)
    exchange = validation.parse_exchange_filter(payload)
    listed = host().venue.master_contract.index.by_exchange(exchange)
    return success(data=[wire.instrument_data(i) for i in listed])
