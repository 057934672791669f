"""Sandbox broker and market data: master contract, imported candles, paper accounts and orders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from database.migrations.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "master_contract_symbols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("instrumenttype", sa.String(length=16), nullable=False),
        sa.Column("lotsize", sa.Integer(), nullable=False),
        sa.Column("tick_size", sa.Float(), nullable=False),
        sa.Column("expiry", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_contract_symbols")),
        sa.UniqueConstraint("exchange", "symbol", name=op.f("uq_master_contract_symbols_exchange")),
    )
    op.create_table(
        "master_contract_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("symbol_count", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_contract_status")),
    )
    op.create_table(
        "market_candles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("interval", sa.String(length=4), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("open", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("close", sa.Float(), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=False),
        sa.Column("oi", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_candles")),
        sa.UniqueConstraint("exchange", "symbol", "interval", "ts", name=op.f("uq_market_candles_exchange")),
    )
    op.create_table(
        "sandbox_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("capital", sa.Float(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("sandbox_accounts"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sandbox_accounts")),
    )
    op.create_table(
        "sandbox_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("orderid", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=100), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("pricetype", sa.String(length=8), nullable=False),
        sa.Column("product", sa.String(length=8), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("trigger_price", sa.Float(), nullable=False),
        sa.Column("disclosed_quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("triggered", sa.Boolean(), nullable=False),
        sa.Column("filled_quantity", sa.Integer(), nullable=False),
        sa.Column("average_price", sa.Float(), nullable=False),
        sa.Column("reserved_margin", sa.Float(), nullable=False),
        sa.Column("message", sa.String(length=255), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("sandbox_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_orders")),
        sa.UniqueConstraint("orderid", name=op.f("uq_sandbox_orders_orderid")),
    )
    op.create_index("ix_sandbox_orders_user_status", "sandbox_orders", ["user_id", "status"])
    op.create_index(op.f("ix_sandbox_orders_status"), "sandbox_orders", ["status"])
    op.create_table(
        "sandbox_trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tradeid", sa.String(length=32), nullable=True),
        sa.Column("orderid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=100), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("product", sa.String(length=8), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        _user_fk("sandbox_trades"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_trades")),
        sa.UniqueConstraint("tradeid", name=op.f("uq_sandbox_trades_tradeid")),
    )
    op.create_index(op.f("ix_sandbox_trades_orderid"), "sandbox_trades", ["orderid"])
    op.create_index(op.f("ix_sandbox_trades_user_id"), "sandbox_trades", ["user_id"])
    op.create_table(
        "sandbox_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("average_price", sa.Float(), nullable=False),
        sa.Column("realised_pnl", sa.Float(), nullable=False),
        sa.Column("margin", sa.Float(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        _user_fk("sandbox_positions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_positions")),
        sa.UniqueConstraint(
            "user_id", "exchange", "symbol", "product", name=op.f("uq_sandbox_positions_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("sandbox_positions")
    op.drop_index(op.f("ix_sandbox_trades_user_id"), table_name="sandbox_trades")
    op.drop_index(op.f("ix_sandbox_trades_orderid"), table_name="sandbox_trades")
    op.drop_table("sandbox_trades")
    op.drop_index(op.f("ix_sandbox_orders_status"), table_name="sandbox_orders")
    op.drop_index("ix_sandbox_orders_user_status", table_name="sandbox_orders")
    op.drop_table("sandbox_orders")
    op.drop_table("sandbox_accounts")
    op.drop_table("market_candles")
    op.drop_table("master_contract_status")
    op.drop_table("master_contract_symbols")
