"""The master contract: status pending → downloading → success | error, persisted, announced, reloadable."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from database.engine import Database
from database.migrate import upgrade_to_head
from database.models import MasterContractStatus, MasterContractSymbol
from services.market.instruments import DEFAULT_INSTRUMENT_FILE, Instrument, load_instrument_file
from services.market.master_contract import MasterContract, MasterContractService, MasterContractState
from tests.support.strategies import FakeClock, wait_until


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'mc.db'}")
    upgrade_to_head(database.engine)
    yield database
    database.dispose()


class GatedSource:
    """An instrument download that waits until the test lets it finish."""

    def __init__(self, clock: FakeClock, fail: str | None = None) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.clock = clock
        self.fail = fail
        self.days: list[date] = []

    def __call__(self, today: date) -> list[Instrument]:
        self.days.append(today)
        self.entered.set()
        assert self.release.wait(10)
        self.clock.advance(2.5)  # the download "takes" 2.5 s on the fake clock
        if self.fail:
            raise RuntimeError(self.fail)
        return load_instrument_file(DEFAULT_INSTRUMENT_FILE, today)


def test_a_download_goes_through_every_status_and_is_persisted(db: Database) -> None:
    clock = FakeClock()
    source = GatedSource(clock)
    master = MasterContract(db, clock, source)
    seen: list[MasterContractState] = []
    master.add_listener(seen.append)
    assert master.state().status == "pending" and not master.is_ready()
    assert len(master.index) == 0

    assert master.reload() is True
    assert source.entered.wait(10)
    assert master.state().status == "downloading"
    assert master.reload() is False  # one download at a time
    source.release.set()
    assert master.wait_ready(10)

    state = master.state()
    assert (state.status, state.ready, state.error) == ("success", True, None)
    assert state.symbol_count == len(master.index) > 100
    assert state.duration_s == pytest.approx(2.5)
    assert state.finished_at == clock.now()
    assert [s.status for s in seen] == ["downloading", "success"]
    assert source.days == [date(2026, 11, 23)]  # the IST date of the fake clock
    with db.session() as session:
        row = session.get(MasterContractStatus, 1)
        assert row is not None and (row.status, row.symbol_count) == ("success", state.symbol_count)
        assert session.query(MasterContractSymbol).count() == state.symbol_count
    assert state.as_dict()["finished_at"].endswith("+05:30")


def test_a_failed_download_is_an_error_status_with_the_reason(db: Database) -> None:
    clock = FakeClock()
    source = GatedSource(clock, fail="broker said no")
    source.release.set()
    master = MasterContract(db, clock, source)
    state = master.download_now()
    assert (state.status, state.ready, state.error) == ("error", False, "broker said no")
    with db.session() as session:
        row = session.get(MasterContractStatus, 1)
        assert row is not None and row.error == "broker said no"


def test_a_failed_reload_keeps_the_previous_list_for_lookups(db: Database) -> None:
    clock = FakeClock()
    source = GatedSource(clock)
    source.release.set()
    master = MasterContract(db, clock, source)
    master.download_now()
    source.fail = "timeout"
    assert master.download_now().status == "error"
    assert master.index.get("NSE", "RELIANCE") is not None
    assert not master.is_ready()


def test_a_listener_that_raises_does_not_break_the_download(db: Database) -> None:
    clock = FakeClock()
    source = GatedSource(clock)
    source.release.set()
    master = MasterContract(db, clock, source)

    def broken(_state: MasterContractState) -> None:
        raise ValueError("listener bug")

    master.add_listener(broken)
    assert master.download_now().status == "success"


def test_the_artificial_delay_is_cut_short_by_shutdown(db: Database) -> None:
    clock = FakeClock()
    source = GatedSource(clock)
    source.release.set()
    master = MasterContract(db, clock, source, delay_s=3600)
    service = MasterContractService(master)
    service.start()
    wait_until(lambda: master.state().status == "downloading", 10, what="the download to start")
    service.stop()  # returns at once although the delay is an hour
    assert master.state().status == "error"
    assert source.days == []
