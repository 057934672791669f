"""/api/v1 order management: place, smart, modify, cancel, cancel all, close positions.

Every call goes through the host's order router (``services.orders``), which counts orders
against the per-API-key limit and journals each order with the source ``api``.
"""

from __future__ import annotations

from flask import Response

from blueprints.api_v1.common import body, bp, order_caller, success
from blueprints.web import host
from services.broker import validation


@bp.post("/placeorder")
def placeorder() -> Response:
    payload = body()
    sender = order_caller(payload)
    order = validation.parse_order(payload)
    return success(orderid=host().orders.router.place(sender, order))


@bp.post("/placesmartorder")
def placesmartorder() -> Response:
    payload = body()
    sender = order_caller(payload)
    request = validation.parse_smart_order(payload)
    result = host().orders.router.place_smart(sender, request)
    if result.orderid is None:
        return success(message=result.message)
    return success(orderid=result.orderid)


@bp.post("/modifyorder")
def modifyorder() -> Response:
    payload = body()
    sender = order_caller(payload)
    request = validation.parse_modify(payload)
    return success(orderid=host().orders.router.modify(sender, request))


@bp.post("/cancelorder")
def cancelorder() -> Response:
    payload = body()
    sender = order_caller(payload)
    orderid = validation.parse_orderid(payload)
    return success(orderid=host().orders.router.cancel(sender, orderid))


@bp.post("/cancelallorder")
def cancelallorder() -> Response:
    payload = body()
    account = order_caller(payload).account  # order routes refuse a read-only token
    result = host().orders.router.cancel_all(account, validation.parse_strategy(payload))
    return success(
        message=result.message,
        canceled_orders=list(result.canceled),
        failed_cancellations=[{"orderid": o, "reason": reason} for o, reason in result.failed],
    )


@bp.post("/closeposition")
def closeposition() -> Response:
    payload = body()
    account = order_caller(payload).account  # order routes refuse a read-only token
    return success(message=host().orders.router.close_position(account, validation.parse_strategy(payload)))
