"""The seed's extension of the Strategy table for custom strategies, and their executions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

``strategies`` gains the seed's columns (``strategy_type`` came with the table in 0010):
``strategy_file`` (relative to ``custom_strategies/``), ``strategy_class``, ``strategy_config``
(JSON parameters), ``execution_mode`` (immediate | queue | schedule; every existing strategy is
``immediate``), ``schedule_config`` (JSON), ``limits`` (JSON ``{timeout_s, memory_mb}``).
``strategy_executions`` records every run of a custom strategy: its trigger, status, signals,
the order-journal ids, the error and a bounded log; ``token_digest`` is the run's read-only API
token while it runs (NULL once it ends).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch copy of ``strategies``: on SQLite that drops the old table,
    # and the drop cascades to every symbol mapping, delivery and execution that references it.
    # (So ``execution_mode`` has no CHECK constraint in the database; the host validates it.)
    op.add_column("strategies", sa.Column("strategy_file", sa.String(length=255), nullable=True))
    op.add_column("strategies", sa.Column("strategy_class", sa.String(length=100), nullable=True))
    op.add_column("strategies", sa.Column("strategy_config", sa.Text(), nullable=False, server_default="{}"))
    op.add_column(
        "strategies",
        sa.Column("execution_mode", sa.String(length=10), nullable=False, server_default="immediate"),
    )
    op.add_column("strategies", sa.Column("schedule_config", sa.Text(), nullable=True))
    op.add_column("strategies", sa.Column("limits", sa.Text(), nullable=False, server_default="{}"))
    op.create_table(
        "strategy_executions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("queued_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "mode IN ('immediate', 'queue', 'schedule')", name=op.f("ck_strategy_executions_mode")
        ),
        sa.CheckConstraint(
            "trigger IN ('webhook', 'execute', 'run-now', 'schedule')",
            name=op.f("ck_strategy_executions_trigger"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'skipped', 'interrupted')",
            name=op.f("ck_strategy_executions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_executions_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_executions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_strategy_executions_token_digest")),
    )
    op.create_index("ix_strategy_executions_strategy_id_id", "strategy_executions", ["strategy_id", "id"])
    op.create_index(op.f("ix_strategy_executions_status"), "strategy_executions", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_strategy_executions_status"), table_name="strategy_executions")
    op.drop_index("ix_strategy_executions_strategy_id_id", table_name="strategy_executions")
    op.drop_table("strategy_executions")
    for column in (
        "limits",
        "schedule_config",
        "execution_mode",
        "strategy_config",
        "strategy_class",
        "strategy_file",
    ):
        op.drop_column("strategies", column)
