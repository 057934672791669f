"""Engine factory and the session scope used by services (inside or outside Flask).

SQLite gets WAL (readers never block the writer), foreign keys, a busy timeout and
``synchronous=FULL``, set on every new connection; PostgreSQL is used as configured by its URL.
``sqlite_file`` and ``looks_like_sqlite`` let the host inspect a SQLite file before opening it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: FULL: a commit is on disk when it returns, so an acknowledged order survives a power loss.
#: (NORMAL in WAL mode may lose the last commits; benchmarks.bench_api measures the difference.)
SQLITE_SYNCHRONOUS = "FULL"
#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the host's connection settings."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite ``url``; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def looks_like_sqlite(path: Path) -> bool:
    """Whether ``path`` starts like a SQLite database (read without opening it with SQLite, which
    could write to it or leave -wal/-shm files next to it). An empty file is an empty database."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    return head in (b"", SQLITE_HEADER)


def has_schema(engine: Engine) -> bool:
    """Whether migrations ever ran on this database (an empty one is a new one)."""
    return inspect(engine).has_table("alembic_version")


class Database:
    """Owns the engine and hands out transactional sessions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
