"""Strategy rows in the database, handed out as immutable ``StrategyRecord`` values.

The repository is the only code that reads or writes ``python_strategies``. Each method is one
transaction; callers never hold ORM objects, so no session outlives a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from database.engine import Database
from database.models import PythonStrategy
from services.errors import NotFound

DESIRED_RUNNING = "running"
DESIRED_STOPPED = "stopped"


@dataclass(frozen=True)
class StrategyRecord:
    """A strategy as stored: settings, the trader's wish, the last outcome and the live run."""

    id: str
    name: str
    file_name: str
    exchange: str
    restart_on_crash: bool
    stop_signal: str
    memory_limit_mb: int | None
    desired_state: str
    last_started: datetime | None
    last_stopped: datetime | None
    exit_code: int | None
    exit_signal: str | None
    error: str | None
    stop_reason: str | None
    run_token: str | None
    run_pid: int | None
    run_create_time: float | None
    run_log: str | None
    created_at: datetime

    @property
    def wants_running(self) -> bool:
        return self.desired_state == DESIRED_RUNNING


_COLUMNS = tuple(spec.name for spec in fields(StrategyRecord))
#: Columns describing a live process; cleared together when its run ends.
RUN_CLEARED: Mapping[str, Any] = {
    "run_token": None,
    "run_pid": None,
    "run_create_time": None,
    "run_log": None,
}


def _record(row: PythonStrategy) -> StrategyRecord:
    return StrategyRecord(**{name: getattr(row, name) for name in _COLUMNS})


def _check_columns(values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(_COLUMNS)
    if unknown:
        raise ValueError(f"not a strategy column: {sorted(unknown)}")


class StrategyRepository:
    """CRUD on strategy rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, strategy_id: str, name: str, file_name: str, exchange: str, created_at: datetime) -> bool:
        """Insert a new strategy; False if the id is taken (the caller draws another)."""
        try:
            with self._db.session() as session:
                session.add(
                    PythonStrategy(
                        id=strategy_id,
                        name=name,
                        file_name=file_name,
                        exchange=exchange,
                        restart_on_crash=False,
                        stop_signal="SIGTERM",
                        desired_state=DESIRED_STOPPED,
                        created_at=created_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def get(self, strategy_id: str) -> StrategyRecord:
        found = self.find(strategy_id)
        if found is None:
            raise NotFound("There is no such strategy.")
        return found

    def find(self, strategy_id: str) -> StrategyRecord | None:
        with self._db.session() as session:
            row = session.get(PythonStrategy, strategy_id)
            return None if row is None else _record(row)

    def all(self) -> list[StrategyRecord]:
        """Every strategy, oldest first (the dashboard's stable order)."""
        with self._db.session() as session:
            rows = session.scalars(
                select(PythonStrategy).order_by(PythonStrategy.created_at, PythonStrategy.id)
            )
            return [_record(row) for row in rows]

    def update(self, strategy_id: str, **values: Any) -> StrategyRecord:
        """Set the given columns in one transaction; NotFound if the strategy is gone."""
        _check_columns(values)
        with self._db.session() as session:
            row = session.get(PythonStrategy, strategy_id)
            if row is None:
                raise NotFound("There is no such strategy.")
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return _record(row)

    def set_columns(self, strategy_id: str, **values: Any) -> None:
        """One UPDATE statement, no read: for callers that keep the row themselves."""
        _check_columns(values)
        with self._db.session() as session:
            result = session.execute(
                update(PythonStrategy).where(PythonStrategy.id == strategy_id).values(**values)
            )
            if getattr(result, "rowcount", 1) == 0:
                raise NotFound("There is no such strategy.")

    def delete(self, strategy_id: str) -> None:
        """Remove the row; its variables go with it (ON DELETE CASCADE)."""
        with self._db.session() as session:
            row = session.get(PythonStrategy, strategy_id)
            if row is not None:
                session.delete(row)
