"""Leases: one holder at a time, renewed, taken over when expired or when its host is dead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from database.engine import Database
from database.migrate import upgrade_to_head
from services.hosting.ownership import Ownership
from services.leases import HostIdentity, Leases
from services.orders.recovery import LeasedPresence, lease_key
from tests.support.strategies import FakeClock

HERE = HostIdentity.of_this_process()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'leases.db'}")
    upgrade_to_head(database.engine)
    yield database
    database.dispose()


def _other_machine(nonce: str) -> HostIdentity:
    return HostIdentity("elsewhere", 4242, 1.0, nonce)


def test_one_holder_at_a_time_until_the_lease_runs_out(db: Database) -> None:
    clock = FakeClock()
    a, b = Leases(db, clock, _other_machine("a"), 15), Leases(db, clock, HERE, 15)
    assert a.claim(["python:s1", "python:s2"]) == {"python:s1", "python:s2"}
    assert b.claim(["python:s1"]) == set()
    assert b.holder_of("python:s1") == a.identity.id
    clock.advance(10)
    a.renew()
    clock.advance(10)
    assert b.claim(["python:s1"]) == set()  # renewed: still a's
    clock.advance(16)
    assert b.claim(["python:s1"]) == {"python:s1"}  # expired: taken over
    assert a.held() == ["python:s2"]
    a.release()
    assert b.claim(["python:s2"]) == {"python:s2"}


def test_a_dead_host_of_this_machine_is_taken_over_at_once(db: Database) -> None:
    clock = FakeClock()
    dead = HostIdentity(HERE.machine, 2**22 + 7, 1.0, "gone")  # no such process here
    Leases(db, clock, dead, 600).claim(["python:s1"])
    assert Leases(db, clock, HERE, 600).claim(["python:s1"]) == {"python:s1"}


def test_another_host_of_this_process_is_alive(db: Database) -> None:
    clock = FakeClock()
    twin = HostIdentity(HERE.machine, HERE.pid, HERE.started, "twin")
    Leases(db, clock, twin, 600).claim(["python:s1"])
    assert Leases(db, clock, HERE, 600).claim(["python:s1"]) == set()


def test_ownership_notices_a_lost_lease_and_claims_what_is_free(db: Database) -> None:
    clock = FakeClock()
    ours = Ownership(Leases(db, clock, HERE, 3), clock)
    theirs = Leases(db, clock, _other_machine("b"), 3)
    assert ours.claim(["s1", "s2"]) == {"s1", "s2"}
    assert ours.owns("s1") and ours.holder("s1") is None
    clock.advance(10)  # this host stalled for longer than its lease
    theirs.claim(["python:s1"])
    newly, lost = ours.maintain(["s1", "s2", "s3"])
    assert lost == {"s1"}  # taken while this host stalled: its process must stop here
    assert not ours.owns("s1") and ours.holder("s1") == theirs.identity.id
    assert newly == {"s3"}
    ours.forget("s2")
    assert not ours.owns("s2")


def test_without_leases_a_single_host_owns_everything() -> None:
    ownership = Ownership(None, FakeClock())
    assert ownership.owns("anything") and ownership.claim(["x"]) == set()
    assert ownership.maintain(["x"]) == (set(), set())
    assert ownership.host_id is None


def test_a_dispatcher_is_gone_when_dead_or_its_lease_lapsed(db: Database) -> None:
    clock = FakeClock()
    me = LeasedPresence(Leases(db, clock, HERE, 15))
    far = LeasedPresence(Leases(db, clock, _other_machine("far"), 15))
    twin = LeasedPresence(Leases(db, clock, HostIdentity(HERE.machine, HERE.pid, HERE.started, "t"), 15))
    dead = HostIdentity(HERE.machine, 2**22 + 7, 1.0, "gone").id
    far.hold()
    twin.hold()
    assert me.renew_every_s == 5
    assert not me.is_gone(me.me)
    assert me.is_gone(dead)  # an earlier run of a host on this machine: at once, no lease needed
    assert not me.is_gone(far.me) and not me.is_gone(twin.me)  # alive and holding their leases
    clock.advance(10)
    far.hold()  # renewed
    clock.advance(10)
    assert not me.is_gone(far.me)
    twin.release()  # a graceful stop: its entries may be taken over at once
    assert me.is_gone(twin.me)
    clock.advance(16)
    assert me.is_gone(far.me)  # another machine: known gone once its lease expired
    assert len(lease_key("x" * 300)) <= 150  # a long identity still makes a valid lease key
