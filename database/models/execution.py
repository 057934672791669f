"""Executions of custom strategies: one row per run, the source of truth for its status.

The row is written before anything runs (``queued``), moved to ``running`` when a worker takes it
and finished with the result; ``token_digest`` is the run's read-only ``/api/v1`` token while it
runs. Written only by ``services.execution``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime

EXECUTION_STATUSES = ("queued", "running", "succeeded", "failed", "timed_out", "skipped", "interrupted")
EXECUTION_MODES = ("immediate", "queue", "schedule")
EXECUTION_TRIGGERS = ("webhook", "execute", "run-now", "schedule")


class StrategyExecution(Base):
    __tablename__ = "strategy_executions"
    __table_args__ = (
        CheckConstraint("mode IN ('immediate', 'queue', 'schedule')", name="mode"),
        CheckConstraint("trigger IN ('webhook', 'execute', 'run-now', 'schedule')", name="trigger"),
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'skipped', 'interrupted')",
            name="status",
        ),
        Index("ix_strategy_executions_strategy_id_id", "strategy_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), nullable=False)
    mode: Mapped[str] = mapped_column(String(10), nullable=False)
    trigger: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    #: JSON object: the trigger's body (``self.payload`` of the strategy)
    payload: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: JSON list of the signals execute() returned
    signals: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: JSON list of the order-journal ids the signals became
    order_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: JSON object ``{type, message, traceback}`` or NULL
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    log: Mapped[str] = mapped_column(Text, nullable=False, default="")
    token_digest: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
