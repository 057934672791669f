"""The master contract: downloading the instrument list, its status, and who is told about it.

Status goes ``pending → downloading → success | error``; every change is persisted (one row) and
passed to listeners, from the download thread. ``reload()`` starts a download in the background
and returns at once; the host starts the first one in ``start_background()``. Until a download
succeeds the index is empty; a failed reload keeps the previous list usable for lookups.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert

from database.engine import Database
from database.models.market import MasterContractStatus, MasterContractSymbol
from services.clock import Clock, ist_iso, to_ist
from services.market.instruments import Instrument, InstrumentIndex

log = logging.getLogger(__name__)

PENDING, DOWNLOADING, SUCCESS, ERROR = "pending", "downloading", "success", "error"
_STATUS_ROW = 1

Listener = Callable[["MasterContractState"], None]
InstrumentSource = Callable[[date], list[Instrument]]


@dataclass(frozen=True)
class MasterContractState:
    status: str = PENDING
    symbol_count: int = 0
    duration_s: float | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.status == SUCCESS

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (times in IST) for pages and status endpoints."""
        return {
            "status": self.status,
            "ready": self.ready,
            "symbol_count": self.symbol_count,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
            "started_at": ist_iso(self.started_at),
            "finished_at": ist_iso(self.finished_at),
            "error": self.error,
        }


class MasterContract:
    """Owns the instrument index and its download."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        source: InstrumentSource,
        delay_s: float = 0.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._source = source
        self._delay_s = delay_s
        self._lock = threading.RLock()  # reload() announces the state while holding it
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        self._index = InstrumentIndex()
        self._state = MasterContractState()

    # What other services read ------------------------------------------------------------------
    @property
    def index(self) -> InstrumentIndex:
        return self._index

    def state(self) -> MasterContractState:
        return self._state

    def is_ready(self) -> bool:
        return self._state.ready

    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(state)`` after every status change (from the download thread)."""
        with self._lock:
            self._listeners.append(callback)

    def wait_ready(self, timeout: float) -> bool:
        """Block until a download finished (success or error) or ``timeout``; True when ready."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.is_ready()

    # Downloading -------------------------------------------------------------------------------
    def reload(self) -> bool:
        """Start a download in the background; False when one is already running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._stopping.clear()
            # Downloading from this moment, not from when the thread gets going: whoever asked
            # for the reload reads the state right away.
            self._set(MasterContractState(DOWNLOADING, started_at=self._clock.now()))
            self._thread = threading.Thread(target=self._download, name="master-contract", daemon=True)
            self._thread.start()
            return True

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def download_now(self) -> MasterContractState:
        """Run one download in the calling thread (what the background thread does)."""
        self._download()
        return self._state

    def _download(self) -> None:
        started = self._clock.monotonic()
        if self._state.status != DOWNLOADING:  # reload() announced it already
            self._set(MasterContractState(DOWNLOADING, started_at=self._clock.now()))
        try:
            if self._delay_s and self._stopping.wait(self._delay_s):
                raise InterruptedError("the host is shutting down")
            instruments = self._source(to_ist(self._clock.now()).date())
            index = InstrumentIndex(instruments)
            if not len(index):
                raise ValueError("the instrument list is empty")
            self._store(instruments)
        except Exception as exc:  # any failure becomes the error status the trader sees
            log.exception("Master contract download failed")
            self._finish(ERROR, started, error=str(exc) or type(exc).__name__)
            return
        self._index = index
        self._finish(SUCCESS, started, count=len(index))
        log.info("Master contract ready: %d symbols", len(index))

    def _finish(self, status: str, started: float, count: int = 0, error: str | None = None) -> None:
        self._set(
            replace(
                self._state,
                status=status,
                symbol_count=count,
                duration_s=self._clock.monotonic() - started,
                finished_at=self._clock.now(),
                error=error,
            )
        )

    def _store(self, instruments: list[Instrument]) -> None:
        rows = [
            {
                "exchange": i.exchange,
                "symbol": i.symbol,
                "name": i.name,
                "token": i.token,
                "instrumenttype": i.instrumenttype,
                "lotsize": i.lotsize,
                "tick_size": i.tick_size,
                "expiry": i.expiry_text,
            }
            for i in instruments
        ]
        with self._db.session() as session:
            session.execute(delete(MasterContractSymbol))
            session.execute(insert(MasterContractSymbol), rows)

    def _set(self, state: MasterContractState) -> None:
        self._state = state
        try:
            with self._db.session() as session:
                row = session.get(MasterContractStatus, _STATUS_ROW) or MasterContractStatus(id=_STATUS_ROW)
                row.status = state.status
                row.symbol_count = state.symbol_count
                row.duration_s = state.duration_s
                row.started_at = state.started_at
                row.finished_at = state.finished_at
                row.error = state.error
                session.add(row)
        except Exception:
            log.exception("Could not persist the master-contract status")
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(state)
            except Exception:
                log.exception("A master-contract listener failed")


class MasterContractService:
    """The background side of the master contract: the first download starts with the host."""

    name = "master contract"

    def __init__(self, master: MasterContract) -> None:
        self._master = master

    def start(self) -> None:
        self._master.reload()

    def stop(self) -> None:
        self._master.stop()
