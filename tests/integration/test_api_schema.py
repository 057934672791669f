"""Migration 0002 builds exactly the tables the sandbox and market models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from database.engine import make_engine
from database.migrate import upgrade_to_head
from database.models import Base

TABLES = {
    "master_contract_symbols",
    "master_contract_status",
    "market_candles",
    "sandbox_accounts",
    "sandbox_orders",
    "sandbox_trades",
    "sandbox_positions",
}


def test_the_migration_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    try:
        upgrade_to_head(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = [
                diff
                for diff in compare_metadata(context, Base.metadata)
                if any(table in repr(diff) for table in TABLES)
            ]
        assert differences == []
    finally:
        engine.dispose()
