"""Applies Alembic migrations programmatically, at host start and in tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_to_head(engine: Engine, *, broker: str | None = None) -> None:
    """Bring the schema up to date; a no-op when it already is. ``broker``: the BROKER setting of
    the host (revision 0009 gives the orders journaled before it that broker's venue)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["broker"] = broker
        command.upgrade(config, "head")


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())
