"""Alembic environment: uses the connection the host hands over, or builds one from settings."""

from __future__ import annotations

from alembic import context

from database.engine import make_engine
from database.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from services.settings import Settings  # noqa: PLC0415 - only the CLI path needs settings

    engine = make_engine(Settings.from_env().effective_database_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
