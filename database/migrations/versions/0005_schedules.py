"""Schedules of hosted strategies and the trader's latest manual start/stop.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "python_strategy_schedules",
        sa.Column("strategy_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_start", sa.String(length=5), nullable=True),
        sa.Column("schedule_stop", sa.String(length=5), nullable=True),
        sa.Column("schedule_days", sa.String(length=27), nullable=True),
        sa.Column("exchange", sa.String(length=16), nullable=True),
        sa.Column("ignore_holidays", sa.Boolean(), nullable=False),
        sa.Column("manual_action", sa.String(length=8), nullable=True),
        sa.Column("manual_at", UtcDateTime(), nullable=True),
        sa.Column("window_started", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "(schedule_start IS NULL) = (schedule_days IS NULL)"
            " AND (schedule_start IS NULL) = (exchange IS NULL)",
            name=op.f("ck_python_strategy_schedules_schedule_complete"),
        ),
        sa.CheckConstraint(
            "schedule_stop IS NULL OR schedule_start IS NOT NULL",
            name=op.f("ck_python_strategy_schedules_stop_needs_start"),
        ),
        sa.CheckConstraint(
            "manual_action IS NULL OR manual_action IN ('start', 'stop')",
            name=op.f("ck_python_strategy_schedules_manual_action"),
        ),
        sa.CheckConstraint(
            "(manual_action IS NULL) = (manual_at IS NULL)",
            name=op.f("ck_python_strategy_schedules_manual_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["python_strategies.id"],
            name=op.f("fk_python_strategy_schedules_strategy_id_python_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_python_strategy_schedules")),
    )


def downgrade() -> None:
    op.drop_table("python_strategy_schedules")
