from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from database.engine import make_engine
from database.migrate import current_revisions, head_revisions, upgrade_to_head
from database.models import Base
from tests.support.net import postgres_url


def schema_drift(engine: Engine) -> list[object]:
    """What the migrated schema lacks or has beyond the models (the migrations are frozen history:
    a model changed without a migration shows here)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_build_an_empty_sqlite_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # a second start is a no-op
    assert current_revisions(engine) == head_revisions()
    assert {"users", "api_keys"} <= set(inspect(engine).get_table_names())
    assert schema_drift(engine) == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_migrations_run_on_postgresql() -> None:
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (CI provides it); skipped")
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url)
    try:
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET search_path TO "{schema}"')

        upgrade_to_head(engine)
        assert current_revisions(engine) == head_revisions()
        assert {"users", "api_keys"} <= set(inspect(engine).get_table_names(schema=schema))
        assert schema_drift(engine) == []
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_the_migration_history_is_one_line() -> None:
    # A single head keeps every database on the same path (no silently skipped branch).
    assert len(head_revisions()) == 1


@pytest.mark.parametrize(
    ("broker", "venue"), [("sandbox", "sandbox"), ("upstream", "live"), (None, "sandbox")]
)
def test_orders_journaled_before_0009_get_the_venue_of_the_hosts_broker(
    tmp_path: Path, broker: str | None, venue: str
) -> None:
    from alembic import command

    from database.migrate import _config, upgrade_to_head

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.execute(
            text("INSERT INTO users (username, password_hash, created_at) VALUES ('a', 'x', '2026-11-30')")
        )
        connection.execute(
            text(
                "INSERT INTO order_journal (source, user_id, kind, strategy, symbol, exchange, action,"
                " quantity, pricetype, product, price, trigger_price, status, message, updated_at,"
                " created_at) VALUES ('api', 1, 'order', '', 'SBIN', 'NSE', 'BUY', 1, 'MARKET', 'MIS',"
                " 0, 0, 'placed', '', '2026-11-30', '2026-11-30')"
            )
        )
    upgrade_to_head(engine, broker=broker)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT venue, dispatcher FROM order_journal")).one()
    assert tuple(row) == (venue, None)
    assert schema_drift(engine) == []
    engine.dispose()


def test_the_seeds_extension_keeps_webhook_strategies_and_their_mappings(tmp_path: Path) -> None:
    from alembic import command

    from database.migrate import _config, upgrade_to_head

    engine = make_engine(f"sqlite:///{tmp_path / 'webhooks.db'}")
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
        connection.execute(
            text("INSERT INTO users (username, password_hash, created_at) VALUES ('a', 'x', '2026-11-30')")
        )
        connection.execute(
            text(
                "INSERT INTO strategies (user_id, name, exchange, webhook_digest, webhook_encrypted,"
                " strategy_type, is_active, trading_mode, is_intraday, start_time, end_time,"
                " squareoff_time, trading_venue, updated_at, created_at) VALUES (1, 'Trend', 'NSE', 'd',"
                " 'e', 'webhook', 1, 'BOTH', 1, '09:15', '15:00', '15:15', 'sandbox', '2026-11-30',"
                " '2026-11-30')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO strategy_symbol_mappings (strategy_id, symbol, exchange, quantity, product,"
                " created_at) VALUES (1, 'SBIN', 'NSE', 10, 'MIS', '2026-11-30')"
            )
        )
    upgrade_to_head(engine)
    with engine.connect() as connection:
        strategy = connection.execute(
            text(
                "SELECT name, trading_mode, strategy_type, execution_mode, strategy_file, strategy_config,"
                " limits FROM strategies"
            )
        ).one()
        mapping = connection.execute(
            text("SELECT symbol, quantity, product FROM strategy_symbol_mappings")
        ).one()
    assert tuple(strategy) == ("Trend", "BOTH", "webhook", "immediate", None, "{}", "{}")
    assert tuple(mapping) == ("SBIN", 10, "MIS")
    assert schema_drift(engine) == []
    engine.dispose()
