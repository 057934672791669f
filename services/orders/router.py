"""The ONE path from the host to a broker's order book.

Every order, modification and cancellation the host sends goes through ``OrderRouter``: nothing
else calls ``broker.place_*``. Orders count against the per-API-key order limit (placing,
modifying, cancelling; cancel-all and close-position never do, because a trader's kill switch
must always go through) and every order it sends is written to the order journal with its
source (``api`` for ``/api/v1``; features that trade for the trader name themselves).

There is one router per venue (``sandbox``, ``live``), all sharing the throttle and the journal.
``place_opened`` is the dispatcher's path: the order is already ``pending`` in the journal and its
rate token already taken, so the router only sends it and settles that entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from services.broker.interface import Broker
from services.broker.types import (
    CancelAllResult,
    ModifyRequest,
    OrderRequest,
    SmartOrderRequest,
    SmartOrderResult,
)
from services.errors import HostError, Unavailable
from services.orders.journal import SANDBOX, JournalEntry, OrderJournal, Outcome
from services.orders.throttle import OrderThrottle

log = logging.getLogger(__name__)

API_SOURCE = "api"


@dataclass(frozen=True)
class Caller:
    """Who sends an order: the account that trades, the API key its rate is counted by, and
    where the order comes from (the journal's ``source``)."""

    account: int
    api_key: str
    source: str = API_SOURCE


class OrderRouter:
    def __init__(
        self, broker: Broker, throttle: OrderThrottle, journal: OrderJournal, *, venue: str = SANDBOX
    ) -> None:
        self._broker = broker
        self._throttle = throttle
        self._journal = journal
        #: the journal's venue of every order this router sends (``sandbox`` or ``live``)
        self.venue = venue

    def place(self, caller: Caller, order: OrderRequest) -> str:
        """Place ``order``; returns the broker's order id."""
        self._throttle.hit(caller.api_key)
        try:
            orderid = self._broker.place_order(caller.account, order)
        except Exception as error:
            self._record(caller, order, None, _failure(error))
            raise
        self._record(caller, order, None, Outcome("placed", orderid))
        return orderid

    def place_smart(self, caller: Caller, request: SmartOrderRequest) -> SmartOrderResult:
        """An order sized to take the position to ``request.position_size`` (none when it is there)."""
        self._throttle.hit(caller.api_key)
        order, size = request.order, request.position_size
        try:
            result = self._broker.place_smart_order(caller.account, request)
        except Exception as error:
            self._record(caller, order, size, _failure(error))
            raise
        self._record(caller, order, size, _smart_outcome(result))
        return result

    def place_opened(
        self,
        caller: Caller,
        entry_id: int,
        order: OrderRequest,
        position_size: int | None,
        *,
        only_if: str | None = None,
    ) -> JournalEntry | None:
        """Send the order of journal entry ``entry_id`` (already ``pending``; a smart order when
        ``position_size`` is set) and settle that entry; never raises for the broker's answer.
        Not counted against the throttle: the caller waited for a token. Returns the settled
        entry (None when it was no longer pending). ``only_if`` (``long`` / ``short``): a smart
        exit sent only when the position is on that side, else ``skipped``."""
        sent = replace(order, journal_id=entry_id)  # the sandbox places at most one order per entry
        try:
            if only_if is not None and not self._on_side(caller.account, order, only_if):
                return self._journal.settle(
                    entry_id, Outcome("skipped", None, f"No {only_if} position to exit.")
                )
            if position_size is None:
                outcome = Outcome("placed", self._broker.place_order(caller.account, sent))
            else:
                request = SmartOrderRequest(sent, position_size)
                outcome = _smart_outcome(self._broker.place_smart_order(caller.account, request))
        except Exception as error:
            if not isinstance(error, HostError):
                log.exception("Journal entry %s: the %s broker failed unexpectedly", entry_id, self.venue)
            outcome = _failure(error)
        return self._journal.settle(entry_id, outcome)

    def _on_side(self, account: int, order: OrderRequest, side: str) -> bool:
        held = self._broker.open_position(account, order.symbol, order.exchange, order.product)
        return held > 0 if side == "long" else held < 0

    def modify(self, caller: Caller, request: ModifyRequest) -> str:
        self._throttle.hit(caller.api_key)
        return self._broker.modify_order(caller.account, request)

    def cancel(self, caller: Caller, orderid: str) -> str:
        self._throttle.hit(caller.api_key)
        return self._broker.cancel_order(caller.account, orderid)

    def cancel_all(self, account: int, strategy: str) -> CancelAllResult:
        return self._broker.cancel_all_orders(account, strategy)

    def close_position(self, account: int, strategy: str) -> str:
        return self._broker.close_position(account, strategy)

    def _record(self, caller: Caller, order: OrderRequest, size: int | None, outcome: Outcome) -> None:
        self._journal.record(caller.source, caller.account, order, size, outcome, venue=self.venue)


def _smart_outcome(result: SmartOrderResult) -> Outcome:
    """A smart order with nothing to do is ``skipped`` (with the broker's reason)."""
    return Outcome("skipped" if result.orderid is None else "placed", result.orderid, result.message)


def _failure(error: Exception) -> Outcome:
    """The journal's outcome for an order the broker refused (rejected, with the id of the refused
    order when the broker kept one) or could not take (failed)."""
    if isinstance(error, Unavailable) or not isinstance(error, HostError):
        return Outcome("failed", None, error.message if isinstance(error, HostError) else repr(error))
    orderid = error.details.get("orderid")
    return Outcome("rejected", None if orderid is None else str(orderid), error.message)
