"""The order dispatcher: the durable, rate-limited path of every order a strategy feature makes
(webhook alerts, custom-strategy signals).

``submit`` writes the orders to the journal as ``pending`` (one transaction, before anything is
sent) and queues them on the caller's lane: one FIFO worker thread per API key, so one key's
orders keep their arrival order and never race each other, while another key's lane goes on
regardless. Before each order the lane waits — for the sandbox's master contract (up to
``contract_wait_s``, then ``failed``) and for a slot of the same per-key order limit /api/v1
counts against (never refused for the rate: a burst is sent at the limit's pace) — and then hands
it to the venue's ``OrderRouter`` in process, which settles the entry. ``wait`` blocks on a
Condition signalled as entries settle; listeners hear of every settled entry.

``start`` first resolves what earlier runs (or dead hosts) left pending (``recovery``), then runs
the lanes; a keeper thread renews this dispatcher's lease and adopts the entries of hosts that go
away later. ``stop`` lets each lane finish its order in flight, leaves the rest pending for the
next start and joins the lanes within ``stop_timeout_s``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.broker.types import OrderRequest
from services.errors import InvalidInput, Unavailable
from services.orders.gates import ContractGate, Pacer
from services.orders.journal import PENDING, JournalEntry, OrderJournal, Outcome
from services.orders.lanes import Job, Lane
from services.orders.recovery import Presence, Recovery
from services.orders.router import Caller, OrderRouter

log = logging.getLogger(__name__)

CONTRACT_NOT_READY = "master contract not ready: the order was not sent (waited {wait:g} s)"
#: how often ``wait`` re-reads the journal even unsignalled (entries another host settles)
RECHECK_S = 1.0
RECENT_KEPT = 1000
_NEW, _STARTING, _RUNNING, _STOPPED = "new", "starting", "running", "stopped"


@dataclass(frozen=True)
class Intent:
    """One order a strategy feature wants placed: a plain order, or (position_size set) a smart
    order whose real quantity is whatever takes the position to position_size."""

    order: OrderRequest
    position_size: int | None = None
    #: a smart exit to flat sent only when the position is on this side (``long`` / ``short``):
    #: a ``long_exit`` signal closes a long, never a short
    only_if: str | None = None


class OrderDispatcher:
    """A BackgroundService: ``start`` recovers and runs the lanes, ``stop`` ends them."""

    name = "order dispatcher"

    def __init__(
        self,
        routers: Mapping[str, OrderRouter],
        journal: OrderJournal,
        pacer: Pacer,
        presence: Presence,
        *,
        gates: Mapping[str, ContractGate] | None = None,
        placement: Callable[[int], Outcome | None] | None = None,
        api_key_of: Callable[[int], str | None] = lambda _account: None,
        contract_wait_s: float = 10.0,
        stop_timeout_s: float = 10.0,
        lane_idle_s: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``routers``: one per venue (``sandbox``, ``live``). ``gates``: what a venue waits for
        before sending (the sandbox's master contract). ``placement(journal_id)``: the sandbox
        order placed for an entry, for recovery. ``api_key_of(account)``: the key that paces a
        recovered entry (the journal keeps no keys)."""
        self._routers = dict(routers)
        self._journal = journal
        self._pacer = pacer
        self._presence = presence
        self._gates = dict(gates or {})
        self._api_key_of = api_key_of
        self._contract_wait_s = contract_wait_s
        self._stop_timeout_s = stop_timeout_s
        self._lane_idle_s = lane_idle_s
        self._monotonic = monotonic
        self._recovery = Recovery(journal, presence.me, presence.is_gone, placement, self._routers)
        self._lock = threading.Lock()
        self._lanes: dict[str, Lane] = {}
        self._lane_count = 0
        self._state = _NEW
        self._holding = False
        self._stopping = threading.Event()
        self._settled = threading.Condition()
        self._generation = 0
        #: the entries settled here lately (a settled entry never changes again): wait() needs no
        #: read for the order an alert just sent
        self._recent: dict[int, JournalEntry] = {}
        self._listeners: list[Callable[[JournalEntry], None]] = []
        self._keeper: threading.Thread | None = None

    # The interface strategy features use ----------------------------------------------------------
    def venues(self) -> tuple[str, ...]:
        """The venues this host can send to, e.g. ("sandbox",) or ("sandbox", "live")."""
        return tuple(self._routers)

    def submit(
        self,
        caller: Caller,
        intents: Sequence[Intent],
        venue: str = "sandbox",
        *,
        also: Callable[[Session, list[int]], None] | None = None,
        inline: bool = False,
    ) -> list[int]:
        """Write every intent to the order journal as ``pending`` (ONE transaction, before anything
        is sent) and queue them, in order, on the caller's lane. Returns the journal ids in order.
        Raises InvalidInput naming ``trading_venue`` for a venue that is not configured, and
        Unavailable once the dispatcher has stopped (nothing is written then). ``also(session,
        ids)`` runs in the journal's transaction (the caller's own record of these orders).
        ``inline``: when one order is submitted, its lane is idle, the venue ready and a rate slot
        free now, the caller's thread sends it before returning (no hand-over to the lane's
        thread: an alert's reply carries its order id sooner); otherwise it is queued as usual."""
        if venue not in self._routers:
            choices = ", ".join(self.venues())
            raise InvalidInput(
                f"Trading venue {venue!r} is not configured on this host (it trades on: {choices}).",
                fields={"trading_venue": f"must be one of: {choices}"},
            )
        if self._stopping.is_set():
            raise Unavailable("The host is shutting down: the orders were not accepted. Try again shortly.")
        if not intents:
            return []
        self._hold_lease()
        ids = self._journal.open_many(
            caller.source,
            caller.account,
            [(intent.order, intent.position_size) for intent in intents],
            venue=venue,
            dispatcher=self._presence.me,
            conditions=[intent.only_if for intent in intents],
            also=also,
        )
        jobs = [
            Job(entry_id, caller, venue, intent.order, intent.position_size, intent.only_if)
            for entry_id, intent in zip(ids, intents, strict=True)
        ]
        with self._lock:
            lane = self._lane(caller.api_key)
            sent_here = inline and len(jobs) == 1 and self._state == _RUNNING and lane.try_inline()
            if not sent_here:
                lane.put(jobs)
        if sent_here:
            try:
                self._send_inline(lane, jobs[0])
            finally:
                lane.release()
        return ids

    def _send_inline(self, lane: Lane, job: Job) -> None:
        """Send ``job`` in the caller's thread if nothing would make it wait; else queue it first
        in its lane (which the caller holds, so nothing overtook it)."""
        gate = self._gates.get(job.venue)
        if (gate is None or gate.is_ready()) and self._pacer.try_acquire(job.caller.api_key):
            self._send(job, paced=True, fresh=True)
        else:
            lane.put([job], front=True)

    def wait(self, entry_ids: Sequence[int], timeout_s: float) -> list[JournalEntry]:
        """Block until every entry has left ``pending`` or the timeout passed (or the dispatcher
        stopped: what is still pending then stays so until a next start); returns the entries in
        id order. Woken when an entry settles here; re-reads at least every ``RECHECK_S``."""
        deadline = self._monotonic() + timeout_s
        with self._settled:
            known = [self._recent.get(entry_id) for entry_id in entry_ids]
        if all(entry is not None for entry in known):  # settled here a moment ago: no read
            return sorted((entry for entry in known if entry is not None), key=lambda entry: entry.id)
        while True:
            with self._settled:
                generation = self._generation
            entries = self._journal.get(entry_ids)
            remaining = deadline - self._monotonic()
            if remaining <= 0 or self._stopping.is_set() or all(e.status != PENDING for e in entries):
                return entries
            with self._settled:
                if generation == self._generation:  # nothing settled since the read
                    self._settled.wait(min(remaining, RECHECK_S))

    def add_listener(self, callback: Callable[[JournalEntry], None]) -> None:
        """Called (from the dispatch thread, exceptions logged and swallowed) after each entry
        settles."""
        with self._lock:
            self._listeners.append(callback)

    # BackgroundService -------------------------------------------------------------------------------
    def start(self) -> None:
        """Resolve what earlier runs left pending, then run the lanes (recovered entries first)."""
        with self._lock:
            if self._state != _NEW:
                return
            self._state = _STARTING
        self._hold_lease()
        self._recover(front=True)
        with self._lock:
            if self._state != _STARTING:
                return  # stopped meanwhile
            self._state = _RUNNING
            for lane in self._lanes.values():
                lane.start()
        self._keeper = threading.Thread(target=self._keep, name="dispatch-keeper", daemon=True)
        self._keeper.start()

    def stop(self) -> None:
        """Finish each lane's order in flight, leave the rest pending, join within the bound."""
        with self._lock:
            if self._state == _STOPPED:
                return
            self._state = _STOPPED
            self._stopping.set()
            lanes = list(self._lanes.values())
        for gate in self._gates.values():
            gate.interrupt()
        for lane in lanes:
            lane.wake()
        deadline = self._monotonic() + self._stop_timeout_s
        for lane in lanes:
            if not lane.join(deadline - self._monotonic()):
                log.warning("Dispatch lane %s did not stop in time (a broker call still running)", lane.name)
        if self._keeper is not None:
            self._keeper.join(max(deadline - self._monotonic(), 0.0))
        with self._settled:
            self._settled.notify_all()  # waiters return what they have
        if self._holding:
            self._presence.release()
        left = sum(lane.queued() for lane in lanes)
        if left:
            log.info("Order dispatcher stopped: %d orders stay pending until the next start", left)

    # Lanes -----------------------------------------------------------------------------------------
    def _lane(self, api_key: str) -> Lane:
        """The lane of ``api_key``, created on demand (called under ``_lock``)."""
        lane = self._lanes.get(api_key)
        if lane is None or lane.retired:
            self._lane_count += 1
            name = f"dispatch-lane-{self._lane_count}"  # never the key itself: names reach logs
            lane = Lane(name, self._send, self._stopping, self._retire, self._lane_idle_s)
            self._lanes[api_key] = lane
            if self._state == _RUNNING:
                lane.start()
        return lane

    def _retire(self, lane: Lane) -> bool:
        with self._lock:
            if not lane.retire_if_idle():
                return False
            for key in [key for key, held in self._lanes.items() if held is lane]:
                del self._lanes[key]
            return True

    def queued(self, api_key: str) -> int:
        """Orders waiting on ``api_key``'s lane (not counting the one being sent)."""
        with self._lock:
            lane = self._lanes.get(api_key)
        return 0 if lane is None else lane.queued()

    def lane_count(self) -> int:
        with self._lock:
            return len(self._lanes)

    def _send(self, job: Job, *, paced: bool = False, fresh: bool = False) -> None:
        """One order of a lane: wait for the venue and a rate slot (unless ``paced``: taken
        already), send, settle. ``fresh``: journaled by this very call a moment ago, under this
        host's lease, so no other host can have taken it over (no read to check)."""
        try:
            ready = self._ready_to_send(job, paced=paced, fresh=fresh)
        except Exception as error:  # e.g. the rate limit's Redis is down: say so, never hang
            log.exception("Journal entry %s could not be prepared for sending", job.entry_id)
            outcome = Outcome("failed", None, f"The order could not be sent: {error!r}")
            self._announce(self._journal.settle(job.entry_id, outcome))
            return
        if ready:
            router = self._routers[job.venue]
            self._announce(
                router.place_opened(
                    job.caller, job.entry_id, job.order, job.position_size, only_if=job.only_if
                )
            )

    def _ready_to_send(self, job: Job, *, paced: bool = False, fresh: bool = False) -> bool:
        """Wait for the venue and a rate slot. False: not to be sent now — the dispatcher is
        stopping (the entry stays pending), the contract never came (settled ``failed``), or the
        entry is no longer this host's (another host took it over after this one stalled past
        its lease)."""
        gate = self._gates.get(job.venue)
        if gate is not None and not gate.wait_ready(self._contract_wait_s, self._stopping):
            if not self._stopping.is_set():
                message = CONTRACT_NOT_READY.format(wait=self._contract_wait_s)
                self._announce(self._journal.settle(job.entry_id, Outcome("failed", None, message)))
            return False
        if not paced and not self._pacer.acquire(job.caller.api_key, self._stopping):
            return False
        if not fresh and not self._journal.held_by(job.entry_id, self._presence.me):
            log.warning("Journal entry %s is no longer this host's to send; skipped", job.entry_id)
            return False
        return True

    def _announce(self, entry: JournalEntry | None) -> None:
        if entry is None:
            return
        with self._settled:
            self._generation += 1
            self._recent[entry.id] = entry
            while len(self._recent) > RECENT_KEPT:
                self._recent.pop(next(iter(self._recent)))
            self._settled.notify_all()
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(entry)
            except Exception:
                log.exception("An order listener failed on journal entry %s", entry.id)

    # Recovery and the lease --------------------------------------------------------------------------
    def _hold_lease(self) -> None:
        # Held from the first entry this host journals: before that no host could wrongly take
        # its entries for a dead host's.
        with self._lock:
            if self._holding:
                return
        self._presence.hold()
        with self._lock:
            self._holding = True

    def _recover(self, *, front: bool) -> None:
        try:
            recovered = self._recovery.run()
        except Exception:
            log.exception("Order recovery failed; pending entries wait for the next attempt")
            return
        for entry in recovered.settled:
            self._announce(entry)
        jobs = [self._job_of(entry) for entry in recovered.resend]
        with self._lock:
            for job in reversed(jobs) if front else jobs:
                self._lane(job.caller.api_key).put([job], front=front)

    def _job_of(self, entry: JournalEntry) -> Job:
        # The journal keeps no API keys: the account's current key paces it (or, without one,
        # a lane of the account's own).
        try:
            api_key = self._api_key_of(entry.account) or f"account:{entry.account}"
        except Exception:  # an unreadable key must not strand an adopted entry
            log.exception(
                "No API key for account %s; its recovered orders get a lane of their own", entry.account
            )
            api_key = f"account:{entry.account}"
        caller = Caller(entry.account, api_key, entry.source)
        return Job(entry.id, caller, entry.venue, entry.order, entry.position_size, entry.only_if)

    def _keep(self) -> None:
        """Renew the lease; adopt the entries of hosts that went away since."""
        while not self._stopping.wait(self._presence.renew_every_s):
            try:
                self._presence.hold()
            except Exception:
                log.exception("Renewing the order dispatcher's lease failed")
                continue
            self._recover(front=False)
