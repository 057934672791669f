"""Strategies reached from outside: the ``strategies`` table (the seed's "Strategy table"), its
symbol mappings, webhook deliveries and their dedupe keys; ``order_journal.only_if``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A smart exit that applies only to a position on one side (a long_exit signal must not
    # close a short): the dispatcher re-reads it when it resends an entry after a crash.
    op.add_column("order_journal", sa.Column("only_if", sa.String(length=5), nullable=True))
    op.create_table(
        "strategies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("webhook_digest", sa.String(length=64), nullable=False),
        sa.Column("webhook_encrypted", sa.Text(), nullable=False),
        sa.Column("strategy_type", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("trading_mode", sa.String(length=5), nullable=False),
        sa.Column("is_intraday", sa.Boolean(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("end_time", sa.String(length=5), nullable=True),
        sa.Column("squareoff_time", sa.String(length=5), nullable=True),
        sa.Column("trading_venue", sa.String(length=8), nullable=False),
        sa.Column("last_squareoff_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "strategy_type IN ('webhook', 'custom')", name=op.f("ck_strategies_strategy_type")
        ),
        sa.CheckConstraint(
            "trading_mode IN ('LONG', 'SHORT', 'BOTH')", name=op.f("ck_strategies_trading_mode")
        ),
        sa.CheckConstraint("trading_venue IN ('sandbox', 'live')", name=op.f("ck_strategies_trading_venue")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_strategies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategies")),
        sa.UniqueConstraint("name", name=op.f("uq_strategies_name")),
        sa.UniqueConstraint("webhook_digest", name=op.f("uq_strategies_webhook_digest")),
    )
    op.create_table(
        "strategy_symbol_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=4), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_strategy_symbol_mappings_quantity")),
        sa.CheckConstraint(
            "product IN ('MIS', 'CNC', 'NRML')", name=op.f("ck_strategy_symbol_mappings_product")
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_strategy_symbol_mappings_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_symbol_mappings")),
        sa.UniqueConstraint(
            "strategy_id", "symbol", "exchange", name=op.f("uq_strategy_symbol_mappings_strategy_id")
        ),
    )
    op.create_index(
        op.f("ix_strategy_symbol_mappings_strategy_id"), "strategy_symbol_mappings", ["strategy_id"]
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "result IN ('received', 'accepted', 'duplicate', 'ignored', 'rejected')",
            name=op.f("ck_webhook_deliveries_result"),
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_webhook_deliveries_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_strategy_id_id", "webhook_deliveries", ["strategy_id", "id"])
    op.create_table(
        "webhook_dedupe_keys",
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["strategy_id"],
            ["strategies.id"],
            name=op.f("fk_webhook_dedupe_keys_strategy_id_strategies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("strategy_id", "key", name=op.f("pk_webhook_dedupe_keys")),
    )
    op.create_index(op.f("ix_webhook_dedupe_keys_expires_at"), "webhook_dedupe_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_dedupe_keys_expires_at"), table_name="webhook_dedupe_keys")
    op.drop_table("webhook_dedupe_keys")
    op.drop_index("ix_webhook_deliveries_strategy_id_id", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_strategy_symbol_mappings_strategy_id"), table_name="strategy_symbol_mappings")
    op.drop_table("strategy_symbol_mappings")
    op.drop_table("strategies")
    with op.batch_alter_table("order_journal") as batch:
        batch.drop_column("only_if")
