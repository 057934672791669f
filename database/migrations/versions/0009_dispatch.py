"""The order dispatcher: which venue an order went to, which host dispatches it, and the sandbox
order each journal entry produced.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

``order_journal.venue`` (sandbox | live): rows written before this revision came from /api/v1,
whose orders went to the host's broker, so they get the venue of the BROKER the migrating host
runs (``upgrade_to_head(engine, broker=...)``; sandbox when not told). ``order_journal.dispatcher``
is the HostIdentity that queued a pending entry (NULL for /api/v1 rows). ``sandbox_orders.journal_id``
is unique: one journal entry can never produce two paper orders, even after a crash.

Only ``order_journal`` is recreated (batch mode, on SQLite) to make ``venue`` NOT NULL: no table
references it, so nothing cascades.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    broker = context.config.attributes.get("broker") or "sandbox"
    venue = "live" if broker == "upstream" else "sandbox"
    op.add_column("order_journal", sa.Column("venue", sa.String(length=8), nullable=True))
    op.add_column("order_journal", sa.Column("dispatcher", sa.String(length=200), nullable=True))
    op.execute(sa.text("UPDATE order_journal SET venue = :venue").bindparams(venue=venue))
    with op.batch_alter_table("order_journal") as batch:
        batch.alter_column("venue", existing_type=sa.String(length=8), nullable=False)
        batch.create_check_constraint(op.f("ck_order_journal_venue"), "venue IN ('sandbox', 'live')")
    # Recovery looks for the pending entries among every order ever journaled.
    op.create_index("ix_order_journal_status", "order_journal", ["status"])
    op.add_column("sandbox_orders", sa.Column("journal_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_sandbox_orders_journal_id"), "sandbox_orders", ["journal_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_sandbox_orders_journal_id"), table_name="sandbox_orders")
    op.drop_column("sandbox_orders", "journal_id")
    op.drop_index("ix_order_journal_status", table_name="order_journal")
    with op.batch_alter_table("order_journal") as batch:
        batch.drop_constraint(op.f("ck_order_journal_venue"), type_="check")
        batch.drop_column("dispatcher")
        batch.drop_column("venue")
