"""/api/v1 account views: order status, open position, order / trade / position books, holdings, funds."""

from __future__ import annotations

from flask import Response

from blueprints.api_v1.common import body, bp, caller, success
from blueprints.web import host
from services.broker import validation, wire


@bp.post("/orderstatus")
def orderstatus() -> Response:
    payload = body()
    account = caller(payload)
    orderid = validation.parse_orderid(payload)
    return success(data=wire.order_data(host().venue.broker.order_status(account, orderid)))


@bp.post("/openposition")
def openposition() -> Response:
    payload = body()
    account = caller(payload)
    symbol, exchange, product = validation.parse_position_query(payload)
    return success(quantity=str(host().venue.broker.open_position(account, symbol, exchange, product)))


@bp.post("/orderbook")
def orderbook() -> Response:
    account = caller(body())
    return success(data=wire.orderbook_data(host().venue.broker.order_book(account)))


@bp.post("/tradebook")
def tradebook() -> Response:
    account = caller(body())
    return success(data=[wire.trade_data(t) for t in host().venue.broker.trade_book(account)])


@bp.post("/positionbook")
def positionbook() -> Response:
    account = caller(body())
    return success(data=[wire.position_data(p) for p in host().venue.broker.position_book(account)])


@bp.post("/holdings")
def holdings() -> Response:
    account = caller(body())
    return success(data=wire.holdings_data(host().venue.broker.holdings(account)))


@bp.post("/funds")
def funds() -> Response:
    account = caller(body())
    return success(data=wire.funds_data(host().venue.broker.funds(account)))
