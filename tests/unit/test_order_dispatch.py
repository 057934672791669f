"""The order dispatcher with fakes: journal first, FIFO lanes per API key paced by the order limit,
lane isolation, every outcome, wait() and listeners, recovery after a crash, multi-host safety."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.errors import InvalidInput, Unavailable
from services.market.instruments import DEFAULT_INSTRUMENT_FILE, load_instrument_file
from services.market.master_contract import MasterContract
from services.orders.dispatch import Intent
from services.orders.gates import MasterContractGate, ThrottlePacer
from services.orders.journal import JournalEntry, Outcome
from services.orders.recovery import LIVE_UNKNOWN
from services.orders.throttle import OrderThrottle
from tests.support.orders import (
    DispatchWorld,
    FakeGate,
    FakeWindow,
    InstantPacer,
    advancing,
    dispatch_world,
    intents,
    order,
)
from tests.support.strategies import wait_until


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DispatchWorld]:
    with dispatch_world(tmp_path) as w:
        yield w


def statuses(entries: list[JournalEntry]) -> list[str]:
    return [entry.status for entry in entries]


# Journal first, in order, in process -------------------------------------------------------------------
def test_entries_are_pending_in_the_journal_before_the_broker_is_asked(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    ids = dispatcher.submit(world.caller(), intents("SBIN", "INFY"))
    # Not started: written and queued, nothing sent yet.
    assert statuses(world.journal.get(ids)) == ["pending", "pending"]
    assert world.brokers["sandbox"].sent == []
    dispatcher.start()
    try:
        entries = dispatcher.wait(ids, 5)
    finally:
        dispatcher.stop()
    sent = world.brokers["sandbox"].sent
    assert [s.journal_status for s in sent] == ["pending", "pending"]
    assert [s.order.journal_id for s in sent] == ids  # the sandbox stamps its order with it
    assert [(e.status, e.orderid, e.venue, e.source) for e in entries] == [
        ("placed", "sandbox-1", "sandbox", "webhook:1"),
        ("placed", "sandbox-2", "sandbox", "webhook:1"),
    ]
    assert world.throttle.hits == 0  # the dispatcher's pacer took the token, not the router


def test_a_lane_sends_its_orders_in_arrival_order(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        symbols = [f"S{n}" for n in range(30)]
        ids = []
        for chunk in (symbols[:10], symbols[10:11], symbols[11:]):
            ids += dispatcher.submit(world.caller(), intents(*chunk))
        assert ids == sorted(ids)
        assert statuses(dispatcher.wait(ids, 5)) == ["placed"] * 30
    finally:
        dispatcher.stop()
    assert world.brokers["sandbox"].symbols() == symbols


def test_close_then_reverse_smart_orders_keep_their_order(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        close = Intent(order("SBIN", "SELL", 0), position_size=0)
        reverse = Intent(order("SBIN", "SELL", 5), position_size=-5)
        ids = dispatcher.submit(world.caller(), [close, reverse])
        entries = dispatcher.wait(ids, 5)
    finally:
        dispatcher.stop()
    assert [s.position_size for s in world.brokers["sandbox"].sent] == [0, -5]
    assert [(e.kind, e.position_size) for e in entries] == [("smart", 0), ("smart", -5)]


def test_unknown_venues_are_refused_naming_the_field(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    assert dispatcher.venues() == ("sandbox", "live")
    with pytest.raises(InvalidInput) as caught:
        dispatcher.submit(world.caller(), intents("SBIN"), venue="paper")
    assert "trading_venue" in caught.value.fields
    assert world.journal.entries() == []


def test_live_orders_go_to_the_live_router(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        [entry] = dispatcher.wait(dispatcher.submit(world.caller(), intents("SBIN"), venue="live"), 5)
    finally:
        dispatcher.stop()
    assert (entry.venue, entry.orderid) == ("live", "live-1")
    assert world.brokers["sandbox"].sent == []


# Pacing --------------------------------------------------------------------------------------------------
def test_a_burst_is_paced_at_the_limit_and_none_is_refused(world: DispatchWorld) -> None:
    # 5 orders per second, 23 at once: all placed, never more than 5 in any second, and the last
    # one ~4 s (of fake time) after the first. The pacer sleeps by moving the fake clock.
    pacer = ThrottlePacer(FakeWindow(world.clock, 5, 1.0), sleep=advancing(world.clock))
    dispatcher = world.dispatcher(pacer)
    dispatcher.start()
    try:
        ids = dispatcher.submit(world.caller(), intents(*[f"S{n}" for n in range(23)]))
        assert statuses(dispatcher.wait(ids, 10)) == ["placed"] * 23
    finally:
        dispatcher.stop()
    times = [s.at for s in world.brokers["sandbox"].sent]
    start = times[0]
    for at in times:
        assert len([t for t in times if at <= t < at + 1.0]) <= 5
    assert times[-1] - start == pytest.approx(4.0)
    assert [round(t - start, 6) for t in times[::5]] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_the_pacer_gives_up_when_the_dispatcher_stops() -> None:
    stopping = threading.Event()
    waits: list[float] = []

    def sleep(event: threading.Event, seconds: float) -> bool:
        waits.append(seconds)
        event.set()  # the dispatcher stops during the wait
        return True

    class Full:
        def take(self, api_key: str) -> float:
            return 30.0

    assert ThrottlePacer(Full(), sleep=sleep, max_pause_s=1.0).acquire("k", stopping) is False
    assert waits == [1.0]  # never one long sleep: the wait is capped


def test_the_order_throttle_says_when_the_next_slot_frees() -> None:
    throttle = OrderThrottle("2 per minute", "memory://")
    assert throttle.take("key") == 0.0
    assert throttle.take("key") == 0.0
    wait = throttle.take("key")
    assert 55 < wait <= 60  # the first order leaves the window a minute after it was taken
    assert throttle.take("other") == 0.0  # per API key
    with pytest.raises(Exception, match="rate limit"):
        throttle.hit("key")  # /api/v1 shares the count


# Lanes ---------------------------------------------------------------------------------------------------
def test_a_slow_lane_never_blocks_another_api_key(world: DispatchWorld) -> None:
    broker = world.brokers["sandbox"]
    broker.hold["SLOW"] = release = threading.Event()
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        slow = dispatcher.submit(world.caller("key-a"), intents("SLOW", "AFTER"))
        assert broker.entered.wait(5)
        fast = dispatcher.submit(world.caller("key-b"), intents("B1", "B2", "B3"))
        assert statuses(dispatcher.wait(fast, 5)) == ["placed"] * 3
        assert statuses(world.journal.get(slow)) == ["pending", "pending"]
        release.set()
        assert statuses(dispatcher.wait(slow, 5)) == ["placed", "placed"]
    finally:
        release.set()
        dispatcher.stop()


def test_a_paced_lane_never_blocks_another_api_key(world: DispatchWorld) -> None:
    pacer = InstantPacer()
    pacer.block["key-a"] = threading.Event()  # key-a's limit is exhausted
    dispatcher = world.dispatcher(pacer)
    dispatcher.start()
    try:
        waiting = dispatcher.submit(world.caller("key-a"), intents("A"))
        done = dispatcher.submit(world.caller("key-b"), intents("B"))
        assert statuses(dispatcher.wait(done, 5)) == ["placed"]
        assert statuses(world.journal.get(waiting)) == ["pending"]
    finally:
        dispatcher.stop()


def test_inline_sends_in_the_callers_thread_when_the_lane_is_idle(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        [entry_id] = dispatcher.submit(world.caller(), intents("NOW"), inline=True)
        # Settled before submit returned: no hand-over to the lane's thread.
        assert statuses(world.journal.get([entry_id])) == ["placed"]
    finally:
        dispatcher.stop()


def test_inline_queues_behind_what_the_lane_is_sending_and_keeps_the_order(world: DispatchWorld) -> None:
    broker = world.brokers["sandbox"]
    broker.hold["FIRST"] = release = threading.Event()
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        first = dispatcher.submit(world.caller(), intents("FIRST"))
        assert broker.entered.wait(5)
        second = dispatcher.submit(world.caller(), intents("SECOND"), inline=True)
        assert statuses(world.journal.get(second)) == ["pending"]  # queued, not sent around FIRST
        release.set()
        assert statuses(dispatcher.wait(first + second, 5)) == ["placed", "placed"]
    finally:
        release.set()
        dispatcher.stop()
    assert broker.symbols() == ["FIRST", "SECOND"]


def test_inline_never_waits_for_a_rate_slot(world: DispatchWorld) -> None:
    pacer = InstantPacer()
    pacer.block["key-a"] = slot = threading.Event()  # the limit is used up
    dispatcher = world.dispatcher(pacer)
    dispatcher.start()
    try:
        ids = dispatcher.submit(world.caller(), intents("LATER"), inline=True)
        assert statuses(world.journal.get(ids)) == ["pending"]  # queued: the lane waits, not the caller
        slot.set()
        assert statuses(dispatcher.wait(ids, 5)) == ["placed"]
    finally:
        slot.set()
        dispatcher.stop()


def test_an_idle_lane_ends_and_a_new_one_starts_on_demand(world: DispatchWorld) -> None:
    dispatcher = world.dispatcher(lane_idle_s=0.05)
    dispatcher.start()
    try:
        dispatcher.wait(dispatcher.submit(world.caller(), intents("A")), 5)
        wait_until(lambda: dispatcher.lane_count() == 0, 5, what="the idle lane to end")
        assert statuses(dispatcher.wait(dispatcher.submit(world.caller(), intents("B")), 5)) == ["placed"]
    finally:
        dispatcher.stop()


# Outcomes ------------------------------------------------------------------------------------------------
def test_every_outcome_is_settled_and_the_lane_survives(world: DispatchWorld) -> None:
    broker = world.brokers["sandbox"]
    broker.fail["BAD"] = InvalidInput("Unknown symbol BAD")
    broker.fail["DOWN"] = Unavailable("The broker is down")
    broker.fail["BUG"] = RuntimeError("boom")
    broker.flat.add("FLAT")
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        ids = dispatcher.submit(
            world.caller(),
            [*intents("BAD", "DOWN", "BUG"), Intent(order("FLAT"), position_size=0), *intents("OK")],
        )
        entries = dispatcher.wait(ids, 5)
    finally:
        dispatcher.stop()
    assert [(e.status, e.message) for e in entries] == [
        ("rejected", "Unknown symbol BAD"),
        ("failed", "The broker is down"),
        ("failed", "RuntimeError('boom')"),
        ("skipped", "Positions Already Matched. No Action needed."),
        ("placed", ""),
    ]


def test_an_order_the_rate_limit_cannot_be_checked_for_fails_and_the_lane_goes_on(
    world: DispatchWorld,
) -> None:
    class Flaky(InstantPacer):
        def acquire(self, api_key: str, stopping: threading.Event) -> bool:
            if not self.taken:
                self.taken[api_key] = 0
                raise ConnectionError("Redis is down")
            return super().acquire(api_key, stopping)

    dispatcher = world.dispatcher(Flaky())
    dispatcher.start()
    try:
        entries = dispatcher.wait(dispatcher.submit(world.caller(), intents("A", "B")), 5)
    finally:
        dispatcher.stop()
    assert [(e.status, "Redis is down" in e.message) for e in entries] == [
        ("failed", True),
        ("placed", False),
    ]


def test_an_order_fails_when_the_master_contract_is_not_ready(world: DispatchWorld) -> None:
    gate = FakeGate(ready=False)
    dispatcher = world.dispatcher(gates={"sandbox": gate}, contract_wait_s=2.5)
    dispatcher.start()
    try:
        [entry] = dispatcher.wait(dispatcher.submit(world.caller(), intents("SBIN")), 5)
        [live] = dispatcher.wait(dispatcher.submit(world.caller(), intents("SBIN"), venue="live"), 5)
    finally:
        dispatcher.stop()
    assert entry.status == "failed" and "master contract not ready" in entry.message
    assert gate.waits == [2.5]  # the live venue does not wait for the sandbox's contract
    assert live.status == "placed"
    assert world.brokers["sandbox"].sent == []


def test_the_master_contract_gate_opens_when_instruments_load(world: DispatchWorld) -> None:
    master = MasterContract(
        world.db, world.clock, lambda today: load_instrument_file(DEFAULT_INSTRUMENT_FILE, today)
    )
    gate = MasterContractGate(master)
    stopping = threading.Event()
    assert gate.wait_ready(0.01, stopping) is False
    answer: list[bool] = []
    waiter = threading.Thread(target=lambda: answer.append(gate.wait_ready(30, stopping)))
    waiter.start()
    master.download_now()  # the listener wakes the waiter at once
    waiter.join(10)
    assert answer == [True]
    stopping.set()
    assert gate.wait_ready(30, stopping) is False  # a stopping dispatcher never sends


# wait() and listeners ------------------------------------------------------------------------------------
def test_wait_returns_at_the_timeout_with_what_is_still_pending(world: DispatchWorld) -> None:
    world.brokers["sandbox"].hold["SLOW"] = release = threading.Event()
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        ids = dispatcher.submit(world.caller(), intents("FAST", "SLOW"))
        assert statuses(dispatcher.wait(ids, 0.2)) == ["placed", "pending"]
        release.set()
        assert statuses(dispatcher.wait(ids, 5)) == ["placed", "placed"]
    finally:
        release.set()
        dispatcher.stop()


def test_listeners_hear_every_settled_entry_and_a_failing_one_is_swallowed(world: DispatchWorld) -> None:
    heard: list[tuple[int, str]] = []

    def broken(entry: JournalEntry) -> None:
        raise RuntimeError("listener bug")

    dispatcher = world.dispatcher()
    dispatcher.add_listener(broken)
    dispatcher.add_listener(lambda entry: heard.append((entry.id, entry.status)))
    world.brokers["sandbox"].fail["BAD"] = InvalidInput("no")
    dispatcher.start()
    try:
        ids = dispatcher.submit(world.caller(), intents("A", "BAD", "C"))
        dispatcher.wait(ids, 5)
        wait_until(lambda: len(heard) == 3, 5, what="three notifications")
    finally:
        dispatcher.stop()
    assert heard == [(ids[0], "placed"), (ids[1], "rejected"), (ids[2], "placed")]


# Stopping ------------------------------------------------------------------------------------------------
def test_a_graceful_stop_finishes_the_order_in_flight_and_leaves_the_rest_pending(
    world: DispatchWorld,
) -> None:
    world.brokers["sandbox"].hold["FIRST"] = release = threading.Event()
    dispatcher = world.dispatcher()
    dispatcher.start()
    ids = dispatcher.submit(world.caller(), intents("FIRST", "SECOND", "THIRD"))
    assert world.brokers["sandbox"].entered.wait(5)
    stopper = threading.Thread(target=dispatcher.stop)
    stopper.start()
    release.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert statuses(world.journal.get(ids)) == ["placed", "pending", "pending"]
    assert world.brokers["sandbox"].symbols() == ["FIRST"]
    assert world.presence.releases == 1
    with pytest.raises(Unavailable):
        dispatcher.submit(world.caller(), intents("LATE"))


def test_stop_joins_a_stuck_lane_within_its_bound(world: DispatchWorld) -> None:
    world.brokers["sandbox"].hold["STUCK"] = release = threading.Event()
    dispatcher = world.dispatcher(stop_timeout_s=0.1)
    dispatcher.start()
    dispatcher.submit(world.caller(), intents("STUCK"))
    assert world.brokers["sandbox"].entered.wait(5)
    dispatcher.stop()  # returns although the broker call still runs
    release.set()


# Recovery ------------------------------------------------------------------------------------------------
def test_recovery_settles_or_resends_what_a_dead_host_left(world: DispatchWorld) -> None:
    world.presence.gone.add("host-dead")
    found, rejected, missing, smart, live = world.pending(
        "host-dead", ("FOUND", None), ("REFUSED", None), ("MISSING", None), ("SMART", 5)
    ) + world.pending("host-dead", ("LIVE", None), venue="live")
    world.placements[found] = Outcome("placed", "2612010001")
    world.placements[rejected] = Outcome("rejected", "2612010002", "Insufficient funds")
    dispatcher = world.dispatcher()
    queued_before_start = dispatcher.submit(world.caller(f"key-of-{world.account}"), intents("NEW"))
    dispatcher.start()
    try:
        entries = dispatcher.wait([found, rejected, missing, smart, live, *queued_before_start], 5)
    finally:
        dispatcher.stop()
    assert [(e.status, e.orderid, e.message) for e in entries] == [
        ("placed", "2612010001", ""),
        ("rejected", "2612010002", "Insufficient funds"),
        ("placed", "sandbox-1", ""),
        ("placed", "sandbox-2", ""),
        ("unknown", None, LIVE_UNKNOWN),
        ("placed", "sandbox-3", ""),
    ]
    sent = world.brokers["sandbox"].sent
    # Sent again only when no sandbox order exists; before the orders queued since; never live.
    assert [(s.order.symbol, s.position_size, s.order.journal_id) for s in sent] == [
        ("MISSING", None, missing),
        ("SMART", 5, smart),
        ("NEW", None, queued_before_start[0]),
    ]
    assert world.brokers["live"].sent == []
    assert {e.dispatcher for e in entries} == {"host-a"}
    assert "live broker answered" in LIVE_UNKNOWN and "order book" in LIVE_UNKNOWN


def test_a_recovered_entry_whose_api_key_is_unreadable_is_still_sent(world: DispatchWorld) -> None:
    world.presence.gone.add("host-dead")
    ids = world.pending("host-dead", ("A", None))

    def unreadable(account: int) -> str | None:
        raise RuntimeError("the key file changed")

    dispatcher = world.dispatcher(api_key_of=unreadable)
    dispatcher.start()
    try:
        assert statuses(dispatcher.wait(ids, 5)) == ["placed"]
    finally:
        dispatcher.stop()


def test_recovery_never_takes_a_live_hosts_entries(world: DispatchWorld) -> None:
    theirs = world.pending("host-b", ("THEIRS", None)) + world.pending("host-b", ("LIVE", None), venue="live")
    world.presence.gone.add("host-dead")
    dead = world.pending("host-dead", ("DEAD", None))
    dispatcher = world.dispatcher()
    dispatcher.start()
    try:
        assert statuses(dispatcher.wait(dead, 5)) == ["placed"]
    finally:
        dispatcher.stop()
    entries = world.journal.get(theirs)
    assert statuses(entries) == ["pending", "pending"]
    assert {e.dispatcher for e in entries} == {"host-b"}
    assert world.brokers["sandbox"].symbols() == ["DEAD"]


def test_two_hosts_adopting_at_once_each_entry_goes_to_one(world: DispatchWorld) -> None:
    ids = world.pending("host-dead", ("A", None), ("B", None))
    assert [e.id for e in world.journal.adopt(ids, "host-dead", "host-a")] == ids
    assert world.journal.adopt(ids, "host-dead", "host-c") == []
    assert world.journal.held_by(ids[0], "host-a") and not world.journal.held_by(ids[0], "host-c")


def test_an_entry_another_host_took_over_is_not_sent(world: DispatchWorld) -> None:
    # This host stalled past its lease; another host adopted (and settled) its entry meanwhile.
    pacer = InstantPacer()
    pacer.block["key-a"] = go = threading.Event()
    dispatcher = world.dispatcher(pacer)
    dispatcher.start()
    try:
        [entry_id] = dispatcher.submit(world.caller(), intents("TAKEN"))
        world.journal.adopt([entry_id], "host-a", "host-c")
        go.set()
        wait_until(lambda: pacer.taken.get("key-a"), 5, what="the lane to get its token")
        dispatcher.wait([entry_id], 0.2)
    finally:
        dispatcher.stop()
    assert world.brokers["sandbox"].sent == []
    assert statuses(world.journal.get([entry_id])) == ["pending"]


def test_an_entry_is_settled_once(world: DispatchWorld) -> None:
    [entry_id] = world.pending("host-a", ("A", None))
    assert world.journal.settle(entry_id, Outcome("placed", "1")) is not None
    assert world.journal.settle(entry_id, Outcome("failed", None, "late")) is None
    [entry] = world.journal.get([entry_id])
    assert (entry.status, entry.orderid) == ("placed", "1")


def test_a_sandbox_entry_on_a_host_without_a_sandbox_fails_and_is_never_sent(tmp_path: Path) -> None:
    with dispatch_world(tmp_path, venues=("live",)) as world:
        world.presence.gone.add("host-dead")
        ids = world.pending("host-dead", ("A", None))
        dispatcher = world.dispatcher(placement=None)
        assert dispatcher.venues() == ("live",)
        dispatcher.start()
        try:
            [entry] = dispatcher.wait(ids, 5)
        finally:
            dispatcher.stop()
        assert entry.status == "failed" and "not configured" in entry.message
        assert world.brokers["live"].sent == []
