"""The order dispatcher on a real host (``host.orders.dispatcher``): a burst paced by the real order
limit on the real sandbox, recovery after a crash on the same DATA_DIR (every order exactly once),
and the live venue forwarding to an upstream OpenAlgo server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from database.models import SandboxOrder, User
from services.broker.types import OrderRequest
from services.errors import InvalidInput
from services.host import Host
from services.leases import HostIdentity
from services.orders.dispatch import Intent
from services.orders.recovery import LIVE_UNKNOWN
from services.orders.router import Caller
from tests.support.apps import api_key_of, build_app, host_of, set_up_admin
from tests.support.sdk import LiveHost, start_live_host


def _order(symbol: str = "SBIN", action: str = "BUY", quantity: int = 1) -> OrderRequest:
    return OrderRequest(symbol, "NSE", action, quantity, product="MIS", strategy="dispatch")


def _started(data_dir: Path, *, background: bool = True, **settings: object) -> tuple[Flask, Caller]:
    """A host with its background work running (or not), an admin, the master contract loaded."""
    app = build_app(data_dir, start_background=background, **settings)
    host = host_of(app)
    if background:
        assert host.venue.master_contract.wait_ready(60)
    else:
        assert host.venue.master_contract.download_now().ready
    with host.db.session() as session:
        has_admin = session.scalar(select(func.count()).select_from(User)) > 0
    if not has_admin:
        set_up_admin(app.test_client())
    key = api_key_of(app)
    account = host.api_keys.owner_of(key)
    assert account is not None
    return app, Caller(account, key, "webhook:integration")


def _sandbox_orders(host: Host) -> list[tuple[str, str, int]]:
    """Every paper order ever placed, (orderid, symbol, quantity) — the order book shows only
    today's, and a run may cross midnight IST."""
    with host.db.session() as session:
        rows = session.execute(select(SandboxOrder.orderid, SandboxOrder.symbol, SandboxOrder.quantity))
        return [(str(orderid), symbol, quantity) for orderid, symbol, quantity in rows]


def _journal_ids_in_sandbox(host: Host) -> dict[int, int]:
    """journal id -> how many sandbox orders carry it."""
    with host.db.session() as session:
        rows = session.execute(
            select(SandboxOrder.journal_id, func.count())
            .where(SandboxOrder.journal_id.is_not(None))
            .group_by(SandboxOrder.journal_id)
        ).all()
    return {int(journal_id): int(count) for journal_id, count in rows}


def test_a_burst_of_100_is_placed_at_the_order_limits_pace(data_dir: Path) -> None:
    app, caller = _started(data_dir, order_rate_limit="20 per second")
    host = host_of(app)
    try:
        dispatcher = host.orders.dispatcher
        assert dispatcher.venues() == ("sandbox",)
        started = time.monotonic()
        ids = dispatcher.submit(caller, [Intent(_order()) for _ in range(100)])
        entries = dispatcher.wait(ids, 60)
        elapsed = time.monotonic() - started
        assert [e.status for e in entries] == ["placed"] * 100, {e.message for e in entries}
        # 20 at once, then 20 more each second: the 100th cannot go before 4 s.
        assert elapsed >= 3.95, elapsed
        book = _sandbox_orders(host)
        assert len(book) == 100 and {orderid for orderid, _, _ in book} == {e.orderid for e in entries}
        assert _journal_ids_in_sandbox(host) == dict.fromkeys(ids, 1)
        # (That no second holds more than 20 is proven on a fake clock in the unit tests: seen
        # from outside, a busy machine's scheduling delays blur it.)
        assert {e.source for e in entries} == {"webhook:integration"}
    finally:
        host.shutdown()


def test_refusals_and_no_ops_of_the_real_sandbox_are_journaled(data_dir: Path) -> None:
    app, caller = _started(data_dir)
    host = host_of(app)
    try:
        dispatcher = host.orders.dispatcher
        ids = dispatcher.submit(
            caller,
            [
                Intent(_order("NOSUCHSYMBOL")),
                Intent(_order("MARUTI", quantity=100_000)),  # far beyond the paper funds
                Intent(_order("SBIN", quantity=3)),
                Intent(_order("SBIN", quantity=0), position_size=3),  # already there
            ],
        )
        unknown, unaffordable, placed, smart = dispatcher.wait(ids, 30)
        assert unknown.status == "rejected" and "NOSUCHSYMBOL" in unknown.message
        assert unaffordable.status == "rejected" and "Insufficient funds" in unaffordable.message
        refused = host.venue.broker.order_status(caller.account, str(unaffordable.orderid))
        assert refused.order_status == "rejected"  # the sandbox kept the refused order: named
        assert placed.status == "placed"
        assert (smart.status, smart.orderid) == ("skipped", None) and smart.message  # the reason
    finally:
        host.shutdown()


def test_after_a_crash_every_pending_order_exists_exactly_once(data_dir: Path) -> None:
    # The first host never starts its background work: its dispatcher queues but never sends.
    app, caller = _started(data_dir, background=False, strategy_lease_s=3.0)
    host = host_of(app)
    journal, sandbox = host.orders.journal, host.venue.broker
    # A host of this machine that crashed (its process is gone) left four entries pending: the
    # sandbox took the first before the crash, not the others.
    dead = HostIdentity(host.identity.machine, 2**22 + 11, 1.0, "crashed").id
    taken, lost, smart = journal.open_many(
        caller.source,
        caller.account,
        [
            (_order("SBIN", quantity=2), None),
            (_order("INFY", quantity=3), None),
            (_order("TCS", "BUY", 0), 4),
        ],
        venue="sandbox",
        dispatcher=dead,
    )
    [live] = journal.open_many(
        caller.source, caller.account, [(_order("ITC"), None)], venue="live", dispatcher=dead
    )
    before_crash = sandbox.place_order(caller.account, replace(_order("SBIN", quantity=2), journal_id=taken))
    # And this very host queued two more, then hung before sending them. Its process lives on
    # (it is this test's), so its entries stay its own until its dispatcher lease runs out.
    hung_at = time.monotonic()
    late = host.orders.dispatcher.submit(caller, [Intent(_order("WIPRO")), Intent(_order("WIPRO"))])
    assert [e.status for e in journal.get(late)] == ["pending", "pending"]
    host.db.dispose()

    app2, _ = _started(data_dir, strategy_lease_s=3.0)
    host2 = host_of(app2)
    try:
        # The crashed host's entries are resolved at start; the hung host's only once its lease
        # (3 s) has run out, by the new host's keeper (every second).
        entries = host2.orders.dispatcher.wait([taken, lost, smart, live, *late], 30)
        assert time.monotonic() - hung_at >= 3.0
        assert [(e.status, e.order.symbol) for e in entries] == [
            ("placed", "SBIN"),
            ("placed", "INFY"),
            ("placed", "TCS"),
            ("unknown", "ITC"),
            ("placed", "WIPRO"),
            ("placed", "WIPRO"),
        ]
        assert entries[0].orderid == before_crash  # found, not sent again
        assert entries[3].message == LIVE_UNKNOWN
        counts = _journal_ids_in_sandbox(host2)
        assert counts == dict.fromkeys([taken, lost, smart, *late], 1)
        assert sorted((symbol, quantity) for _, symbol, quantity in _sandbox_orders(host2)) == [
            ("INFY", 3),
            ("SBIN", 2),
            ("TCS", 4),
            ("WIPRO", 1),
            ("WIPRO", 1),
        ]
        host2.shutdown()
        # A third start finds nothing pending and sends nothing.
        app3, _ = _started(data_dir)
        host3 = host_of(app3)
        try:
            assert host3.orders.journal.pending() == []
            assert len(_sandbox_orders(host3)) == 5
        finally:
            host3.shutdown()
    finally:
        host2.shutdown()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = start_live_host(tmp_path_factory.mktemp("upstream"), {"ORDER_RATE_LIMIT": "1000 per second"})
    yield live
    live.stop()


def test_the_live_venue_forwards_to_the_upstream_server(data_dir: Path, upstream: LiveHost) -> None:
    app, caller = _started(
        data_dir, upstream_host=upstream.url, upstream_api_key=upstream.api_key, upstream_timeout_s=5.0
    )
    host = host_of(app)
    try:
        dispatcher = host.orders.dispatcher
        assert dispatcher.venues() == ("sandbox", "live")
        ids = dispatcher.submit(caller, [Intent(_order("AXISBANK", quantity=7))], venue="live")
        [entry] = dispatcher.wait(ids, 30)
        assert (entry.status, entry.venue) == ("placed", "live"), entry.message
        theirs = upstream.client().orderstatus(order_id=entry.orderid, strategy="dispatch")
        assert theirs["data"]["symbol"] == "AXISBANK" and int(theirs["data"]["quantity"]) == 7
        assert _sandbox_orders(host) == []  # nothing on the sandbox
        with pytest.raises(InvalidInput, match="not configured") as refused:
            dispatcher.submit(caller, [Intent(_order())], venue="paper")
        assert "trading_venue" in refused.value.fields
    finally:
        host.shutdown()


def test_with_an_upstream_broker_the_only_venue_is_live(data_dir: Path, upstream: LiveHost) -> None:
    app = build_app(
        data_dir,
        start_background=True,
        broker="upstream",
        upstream_host=upstream.url,
        upstream_api_key=upstream.api_key,
        upstream_timeout_s=5.0,
    )
    host = host_of(app)
    try:
        assert host.orders.dispatcher.venues() == ("live",)
        assert host.orders.router.venue == "live"  # /api/v1's orders are journaled as live
    finally:
        host.shutdown()
