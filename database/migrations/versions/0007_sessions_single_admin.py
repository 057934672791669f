"""Login sessions that can be ended (users.session_generation) and one admin only (users.singleton).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Plain ADD COLUMN and CREATE INDEX: recreating ``users`` on SQLite (batch mode) would cascade the
drop of the old table into every row that references a user.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("users", sa.Column("singleton", sa.Integer(), nullable=False, server_default="1"))
    # A database where the old setup race created a second user keeps it (it owns data), with a
    # singleton of its own id, so the unique index can be built; no further admin can be created.
    op.execute("UPDATE users SET singleton = id WHERE id <> (SELECT MIN(id) FROM users)")
    op.create_index("uq_users_singleton", "users", ["singleton"], unique=True)


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+), never batch mode: see the module docstring.
    op.drop_index("uq_users_singleton", table_name="users")
    op.drop_column("users", "singleton")
    op.drop_column("users", "session_generation")
