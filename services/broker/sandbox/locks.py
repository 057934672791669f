"""Locks that keep two writers of one paper account (or one symbol's smart orders) apart.

In one host a thread lock per key is enough. Hosts that share a PostgreSQL database also take a
PostgreSQL advisory lock on the same key (on a connection of its own, held for the duration), so
two hosts cannot both see the old funds or the old position and both act on it. SQLite is one
host's database: the thread lock alone.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, select

#: Advisory-lock namespaces (the first of PostgreSQL's two 32-bit lock keys).
ACCOUNTS = 7101
SMART_ORDERS = 7102


class KeyedLocks:
    """One lock per key (a user's account, a user's symbol), created on first use."""

    def __init__(self, engine: Engine | None = None, namespace: int = ACCOUNTS) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._engine = engine if engine is not None and engine.dialect.name == "postgresql" else None
        self._namespace = namespace

    @contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if self._engine is None:
                yield
                return
            # A stable 32-bit number for the key (Python's hash() differs between processes).
            number = zlib.crc32(repr(key).encode()) - 2**31
            with self._engine.connect() as connection:
                connection.execute(select(func.pg_advisory_lock(self._namespace, number)))
                try:
                    yield
                finally:
                    connection.execute(select(func.pg_advisory_unlock(self._namespace, number)))
