"""Exchange calendar: loaded years and their holidays / special sessions per exchange and day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("source IN ('shipped', 'imported')", name=op.f("ck_calendar_years_source")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("session_open", sa.Time(), nullable=True),
        sa.Column("session_close", sa.Time(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('trading_holiday', 'settlement_holiday', 'special_session')",
            name=op.f("ck_calendar_days_kind"),
        ),
        sa.CheckConstraint(
            "(kind = 'special_session') = (session_open IS NOT NULL AND session_close IS NOT NULL)",
            name=op.f("ck_calendar_days_session_times"),
        ),
        sa.ForeignKeyConstraint(
            ["year"],
            ["calendar_years.year"],
            name=op.f("fk_calendar_days_year_calendar_years"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
    )
    op.create_index(op.f("ix_calendar_days_year"), "calendar_days", ["year"], unique=False)
    op.create_index("ix_calendar_days_exchange_day", "calendar_days", ["exchange", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calendar_days_exchange_day", table_name="calendar_days")
    op.drop_index(op.f("ix_calendar_days_year"), table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
