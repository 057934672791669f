"""Host leases: which host supervises a strategy when several hosts share one database.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_leases",
        sa.Column("key", sa.String(length=150), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_host_leases")),
    )
    op.create_index(op.f("ix_host_leases_holder"), "host_leases", ["holder"])


def downgrade() -> None:
    op.drop_index(op.f("ix_host_leases_holder"), table_name="host_leases")
    op.drop_table("host_leases")
