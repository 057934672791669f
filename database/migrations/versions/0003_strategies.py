"""Hosted Python strategies and their environment variables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "python_strategies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("restart_on_crash", sa.Boolean(), nullable=False),
        sa.Column("stop_signal", sa.String(length=8), nullable=False),
        sa.Column("memory_limit_mb", sa.Integer(), nullable=True),
        sa.Column("desired_state", sa.String(length=16), nullable=False),
        sa.Column("last_started", UtcDateTime(), nullable=True),
        sa.Column("last_stopped", UtcDateTime(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("exit_signal", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stop_reason", sa.String(length=200), nullable=True),
        sa.Column("run_token", sa.String(length=64), nullable=True),
        sa.Column("run_pid", sa.Integer(), nullable=True),
        sa.Column("run_create_time", sa.Float(), nullable=True),
        sa.Column("run_log", sa.String(length=100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_python_strategies")),
    )
    op.create_table(
        "python_strategy_variables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("secure", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["python_strategies.id"],
            name=op.f("fk_python_strategy_variables_strategy_id_python_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_python_strategy_variables")),
        sa.UniqueConstraint("strategy_id", "name", name=op.f("uq_python_strategy_variables_strategy_id")),
    )
    op.create_index(
        op.f("ix_python_strategy_variables_strategy_id"),
        "python_strategy_variables",
        ["strategy_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_python_strategy_variables_strategy_id"), table_name="python_strategy_variables")
    op.drop_table("python_strategy_variables")
    op.drop_table("python_strategies")
