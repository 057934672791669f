"""/api/v1 order management: place, smart, modify, cancel, cancel all, close positions.

Placing, modifying and cancelling count against the per-API-key order limit; cancel-all and
close-position do not, because a trader's kill switch must always go through.
"""

from __future__ import annotations

from flask import Response

from blueprints.api_v1.common import body, bp, caller, order_caller, success
from blueprints.web import host
from services.broker import validation


@bp.post("/placeorder")
def placeorder() -> Response:
    payload = body()
    account = order_caller(payload)
    order = validation.parse_order(payload)
    return success(orderid=host().broker.place_order(account, order))


@bp.post("/placesmartorder")
def placesmartorder() -> Response:
    payload = body()
    account = order_caller(payload)
    request = validation.parse_smart_order(payload)
    result = host().broker.place_smart_order(account, request)
    if result.orderid is None:
        return success(message=result.message)
    return success(orderid=result.orderid)


@bp.post("/modifyorder")
def modifyorder() -> Response:
    payload = body()
    account = order_caller(payload)
    request = validation.parse_modify(payload)
    return success(orderid=host().broker.modify_order(account, request))


@bp.post("/cancelorder")
def cancelorder() -> Response:
    payload = body()
    account = order_caller(payload)
    orderid = validation.parse_orderid(payload)
    return success(orderid=host().broker.cancel_order(account, orderid))


@bp.post("/cancelallorder")
def cancelallorder() -> Response:
    payload = body()
    account = caller(payload)
    result = host().broker.cancel_all_orders(account, validation.parse_strategy(payload))
    return success(
        message=result.message,
        canceled_orders=list(result.canceled),
        failed_cancellations=[{"orderid": o, "reason": reason} for o, reason in result.failed],
    )


@bp.post("/closeposition")
def closeposition() -> Response:
    payload = body()
    account = caller(payload)
    return success(message=host().broker.close_position(account, validation.parse_strategy(payload)))
