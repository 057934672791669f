"""``strategy_executions``: one row per run of a custom strategy, the source of truth for its status.

A run is written ``queued`` before anything happens (so its id can be answered at once), moved to
``running`` by one compare-and-set (a redelivered queue task that finds the row no longer queued
does nothing), and finished with its result. At a host's start, runs still ``running`` from an
earlier life are ``interrupted`` ("host stopped during the run"): they may have placed orders, so
they are never re-run silently. The newest ``keep`` runs per strategy are kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from database.engine import Database
from database.models.execution import StrategyExecution
from services.clock import Clock, ist_iso

LOG_MAX_CHARS = 256 * 1024
PRUNE_EVERY = 20
FINISHED = ("succeeded", "failed", "timed_out", "skipped", "interrupted")
INTERRUPTED = "The host stopped during the run; it may have placed orders, so it is not run again by itself."


@dataclass(frozen=True)
class Execution:
    id: int
    strategy_id: int
    mode: str
    trigger: str
    status: str
    payload: dict[str, Any]
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    signals: list[Any] = field(default_factory=list)
    order_ids: tuple[int, ...] = ()
    error: dict[str, Any] | None = None
    log: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def as_dict(self, *, with_log: bool = True) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": self.id,
            "strategy_id": self.strategy_id,
            "mode": self.mode,
            "trigger": self.trigger,
            "status": self.status,
            "queued_at": ist_iso(self.queued_at),
            "started_at": ist_iso(self.started_at),
            "finished_at": ist_iso(self.finished_at),
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
            "signals": self.signals,
            "error": self.error,
        }
        if with_log:
            view["logs"] = self.log
        return view


@dataclass(frozen=True)
class Outcome:
    """How a run ended."""

    status: str
    signals: list[Any] = field(default_factory=list)
    order_ids: Sequence[int] = ()
    error: dict[str, Any] | None = None
    log: str = ""


class ExecutionRecords:
    def __init__(self, db: Database, clock: Clock, keep: int) -> None:
        self._db = db
        self._clock = clock
        self._keep = keep

    def create(self, strategy_id: int, mode: str, trigger: str, payload: dict[str, Any]) -> int:
        row = StrategyExecution(
            strategy_id=strategy_id,
            mode=mode,
            trigger=trigger,
            status="queued",
            payload=json.dumps(payload),
            queued_at=self._clock.now(),
            signals="[]",
            order_ids="[]",
            log="",
        )
        with self._db.session() as session:
            session.add(row)
            session.flush()
            execution_id = row.id
        if execution_id % PRUNE_EVERY == 0:
            self.prune(strategy_id)
        return execution_id

    def start(self, execution_id: int) -> bool:
        """``queued`` → ``running`` (one compare-and-set); False when the run is not queued."""
        with self._db.session() as session:
            result = session.execute(
                update(StrategyExecution)
                .where(StrategyExecution.id == execution_id, StrategyExecution.status == "queued")
                .values(status="running", started_at=self._clock.now())
            )
            return bool(getattr(result, "rowcount", 0))

    def finish(self, execution_id: int, outcome: Outcome) -> Execution | None:
        """Give a queued or running run its end (its token dies with it); None when unknown."""
        now = self._clock.now()
        with self._db.session() as session:
            row = session.get(StrategyExecution, execution_id)
            if row is None:
                return None
            if row.status in FINISHED:
                return _execution(row)
            row.status = outcome.status
            row.finished_at = now
            started = row.started_at or now
            row.duration_s = max((now - started).total_seconds(), 0.0)
            row.signals = json.dumps(outcome.signals, default=str)
            row.order_ids = json.dumps(list(outcome.order_ids))
            row.error = None if outcome.error is None else json.dumps(outcome.error, default=str)
            row.log = _bounded(outcome.log)
            row.token_digest = None
            return _execution(row)

    def get(self, execution_id: int) -> Execution | None:
        with self._db.session() as session:
            row = session.get(StrategyExecution, execution_id)
            return None if row is None else _execution(row)

    def of_strategy(self, strategy_id: int, limit: int = 50, before: int | None = None) -> list[Execution]:
        query = (
            select(StrategyExecution)
            .where(StrategyExecution.strategy_id == strategy_id)
            .order_by(StrategyExecution.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(StrategyExecution.id < before)
        with self._db.session() as session:
            return [_execution(row) for row in session.scalars(query)]

    def running_of(self, strategy_id: int) -> int | None:
        """The strategy's run in progress, if any."""
        with self._db.session() as session:
            return session.scalar(
                select(StrategyExecution.id).where(
                    StrategyExecution.strategy_id == strategy_id, StrategyExecution.status == "running"
                )
            )

    def interrupt_running(self) -> int:
        """Mark every ``running`` run ``interrupted`` (at start: its host is gone); how many."""
        now = self._clock.now()
        error = json.dumps({"type": "Interrupted", "message": INTERRUPTED})
        with self._db.session() as session:
            result = session.execute(
                update(StrategyExecution)
                .where(StrategyExecution.status == "running")
                .values(status="interrupted", finished_at=now, error=error, token_digest=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def prune(self, strategy_id: int) -> None:
        """Keep the newest ``keep`` runs of the strategy (never one that is still queued or running)."""
        with self._db.session() as session:
            oldest_kept = session.scalar(
                select(StrategyExecution.id)
                .where(StrategyExecution.strategy_id == strategy_id)
                .order_by(StrategyExecution.id.desc())
                .offset(self._keep - 1)
                .limit(1)
            )
            if oldest_kept is not None:
                session.execute(
                    delete(StrategyExecution).where(
                        StrategyExecution.strategy_id == strategy_id,
                        StrategyExecution.id < oldest_kept,
                        StrategyExecution.status.in_(FINISHED),
                    )
                )


def _bounded(log: str) -> str:
    if len(log) <= LOG_MAX_CHARS:
        return log
    half = LOG_MAX_CHARS // 2
    cut = len(log) - 2 * half
    return f"{log[:half]}\n[... {cut} characters cut ...]\n{log[-half:]}"


def _execution(row: StrategyExecution) -> Execution:
    return Execution(
        id=row.id,
        strategy_id=row.strategy_id,
        mode=row.mode,
        trigger=row.trigger,
        status=row.status,
        payload=json.loads(row.payload or "{}"),
        queued_at=row.queued_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        duration_s=row.duration_s,
        signals=json.loads(row.signals or "[]"),
        order_ids=tuple(json.loads(row.order_ids or "[]")),
        error=None if row.error is None else json.loads(row.error),
        log=row.log,
    )
