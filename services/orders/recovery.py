"""Recovery: the fate of the ``pending`` entries a stopped or crashed dispatcher left behind.

Exactly once. An entry is ``pending`` from before it is sent until its fate is written, so a
crash can leave it pending whether or not the broker took it. The sandbox stamps each order with
the journal id it was placed for (unique), so there the answer is known: an order exists →
``placed`` (``rejected`` when the sandbox refused it) with its order id; none exists → the broker
never got it, and it is sent again (a smart order is planned afresh against the position then).
A live broker keeps no such stamp: its entries become ``unknown`` and are never sent again — the
trader checks the broker's order book rather than risk a second real order.

Whose entries (several hosts may share one database, see ``services.leases``). Each pending
entry names its ``dispatcher``, the HostIdentity that queued it. A host resolves only entries
whose dispatcher is provably gone: an identity of this machine whose process is gone (every
earlier run of this host: an identity is never reused) or a host whose dispatcher lease
(``dispatch:<digest of its id>``, renewed while it runs, released at a graceful stop) is free or
expired. A live host's entries are never touched: it is still working through them. Taking
entries over is one conditional UPDATE per previous dispatcher, so two hosts recovering at once
never both resolve (or send) an entry; the sandbox's unique journal id backs that up.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import groupby
from typing import Protocol

from services.leases import Leases
from services.orders.journal import LIVE, SANDBOX, JournalEntry, OrderJournal, Outcome

log = logging.getLogger(__name__)

LIVE_UNKNOWN = (
    "The host stopped before the live broker answered; check the broker's order book "
    "(live orders are never sent twice)."
)
NO_VENUE = "The {venue} venue is not configured on this host any more; the order was not sent."


@dataclass
class Recovered:
    """What recovery did: the entries to send again (id order) and those it settled."""

    resend: list[JournalEntry] = field(default_factory=list)
    settled: list[JournalEntry] = field(default_factory=list)


class Recovery:
    def __init__(
        self,
        journal: OrderJournal,
        me: str,
        is_gone: Callable[[str], bool],
        placement: Callable[[int], Outcome | None] | None,
        venues: Collection[str],
    ) -> None:
        """``me``: this dispatcher's HostIdentity id. ``is_gone(dispatcher)``: True when that host
        provably no longer works on its entries. ``placement(journal_id)``: the outcome of the
        sandbox order placed for an entry (None: none was; the seam is None without a sandbox).
        ``venues``: the venues this host can send to."""
        self._journal = journal
        self._me = me
        self._is_gone = is_gone
        self._placement = placement
        self._venues = venues

    def run(self) -> Recovered:
        """Adopt the entries of gone dispatchers and settle or return each, in id order."""
        recovered = Recovered()
        for entry in self._adopt():
            outcome = self._fate(entry)
            if outcome is None:
                recovered.resend.append(entry)
                continue
            settled = self._journal.settle(entry.id, outcome)
            if settled is not None:
                recovered.settled.append(settled)
        if recovered.resend or recovered.settled:
            log.info(
                "Order recovery: %d entries to send again, %d settled",
                len(recovered.resend),
                len(recovered.settled),
            )
        return recovered

    def _adopt(self) -> list[JournalEntry]:
        pending = self._journal.pending(excluding=self._me)
        adopted: list[JournalEntry] = []
        by_dispatcher = sorted(pending, key=lambda entry: entry.dispatcher or "")
        for dispatcher, group in groupby(by_dispatcher, key=lambda entry: entry.dispatcher):
            if dispatcher is not None and not self._is_gone(dispatcher):
                continue  # a live host's entries: it is sending them
            ids = [entry.id for entry in group]
            adopted.extend(self._journal.adopt(ids, dispatcher, self._me))
        return sorted(adopted, key=lambda entry: entry.id)

    def _fate(self, entry: JournalEntry) -> Outcome | None:
        """The entry's outcome, or None when it must be sent again."""
        if entry.venue == LIVE:
            return Outcome("unknown", None, LIVE_UNKNOWN)
        if entry.venue != SANDBOX or self._placement is None or SANDBOX not in self._venues:
            return Outcome("failed", None, NO_VENUE.format(venue=entry.venue))
        return self._placement(entry.id)


class Presence(Protocol):
    """This dispatcher among the hosts sharing the database: who it is, its lease, and whether
    another dispatcher is gone."""

    @property
    def me(self) -> str: ...

    @property
    def renew_every_s(self) -> float: ...

    def hold(self) -> None:
        """Take (or renew) this dispatcher's lease."""

    def release(self) -> None:
        """Give the lease up (a graceful stop): other hosts may take over at once."""

    def is_gone(self, dispatcher: str) -> bool: ...


class LeasedPresence:
    """``Presence`` on the host's leases: the lease ``dispatch:<digest of the identity>``."""

    def __init__(self, leases: Leases) -> None:
        self._leases = leases

    @property
    def me(self) -> str:
        return self._leases.identity.id

    @property
    def renew_every_s(self) -> float:
        return self._leases.lease_s / 3

    def hold(self) -> None:
        self._leases.claim([lease_key(self.me)])

    def release(self) -> None:
        self._leases.release([lease_key(self.me)])

    def is_gone(self, dispatcher: str) -> bool:
        return self._leases.gone(dispatcher, lease_key(dispatcher))


def lease_key(dispatcher: str) -> str:
    # A digest: an identity (machine name included) may be longer than a lease key may be.
    return "dispatch:" + hashlib.sha256(dispatcher.encode()).hexdigest()[:40]
