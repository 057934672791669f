"""Leases on things only one host may look after at a time, when several hosts share a database.

A host holds a lease by writing its identity and an expiry; it renews what it holds well before
the expiry, and takes over a lease only when it is free, expired, or held by a host that is
provably dead (a host on this same machine whose process is gone: after ``kill -9`` the next host
need not wait out the lease). Every take-over is one conditional UPDATE, so two hosts racing for
a lease never both get it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta

import psutil
from sqlalchemy import Executable, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from database.engine import Database
from database.models.lease import HostLease
from services.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HostIdentity:
    """Who a host is: ``<machine>/<pid>/<process start time>/<nonce>`` (never reused: a restarted
    host is another identity; the nonce tells two hosts of one process apart, as in tests)."""

    machine: str
    pid: int
    started: float
    nonce: str

    @property
    def id(self) -> str:
        return f"{self.machine}/{self.pid}/{self.started:.2f}/{self.nonce}"

    @classmethod
    def of_this_process(cls) -> HostIdentity:
        return cls(socket.gethostname(), os.getpid(), psutil.Process().create_time(), secrets.token_hex(3))


def _alive(holder: str, machine: str) -> bool:
    """False only when ``holder`` is a host of this machine whose process is gone."""
    holder_machine, _, rest = holder.partition("/")
    if holder_machine != machine:
        return True  # another machine: only its lease's expiry tells
    pid_text, _, rest = rest.partition("/")
    started = rest.partition("/")[0]
    try:
        process = psutil.Process(int(pid_text))
        return f"{process.create_time():.2f}" == started
    except (ValueError, psutil.Error):
        return False


class Leases:
    def __init__(self, db: Database, clock: Clock, identity: HostIdentity, lease_s: float) -> None:
        self._db = db
        self._clock = clock
        self.identity = identity
        self.lease_s = lease_s

    def claim(self, keys: Iterable[str]) -> set[str]:
        """Take every lease of ``keys`` that is free, expired, dead or already ours; returns
        the keys this host holds now."""
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        me, now = self.identity.id, self._clock.now()
        until = now + timedelta(seconds=self.lease_s)
        with self._db.session() as session:
            current = select(HostLease.key, HostLease.holder).where(HostLease.key.in_(wanted))
            holders: dict[str, str] = {row.key: row.holder for row in session.execute(current)}
            dead = {h for h in set(holders.values()) if h != me and not _alive(h, self.identity.machine)}
            missing = [{"key": k, "holder": me, "expires_at": until} for k in wanted if k not in holders]
            if missing:
                session.execute(self._insert_missing(missing))
            session.execute(
                update(HostLease)
                .where(
                    HostLease.key.in_(wanted),
                    or_(HostLease.holder == me, HostLease.expires_at < now, HostLease.holder.in_(dead)),
                )
                .values(holder=me, expires_at=until)
            )
        return set(self.held(wanted))

    def held(self, keys: Collection[str] | None = None) -> list[str]:
        """The keys (of ``keys``, or all) whose lease this host holds."""
        query = select(HostLease.key).where(HostLease.holder == self.identity.id)
        if keys is not None:
            query = query.where(HostLease.key.in_(list(keys)))
        with self._db.session() as session:
            return list(session.scalars(query))

    def holder_of(self, key: str) -> str | None:
        """Who holds ``key`` now (None: nobody, or the lease ran out)."""
        with self._db.session() as session:
            row = session.get(HostLease, key)
            if row is None or row.expires_at < self._clock.now():
                return None
            return row.holder

    def gone(self, holder: str, key: str) -> bool:
        """Whether ``holder`` provably no longer looks after ``key``: it is a host of this machine
        whose process is gone, or ``key``'s lease is not (or no longer) its own."""
        if holder == self.identity.id:
            return False
        if not _alive(holder, self.identity.machine):
            return True
        return self.holder_of(key) != holder

    def renew(self) -> int:
        """Extend every lease this host holds; returns how many it still holds."""
        until = self._clock.now() + timedelta(seconds=self.lease_s)
        with self._db.session() as session:
            result = session.execute(
                update(HostLease).where(HostLease.holder == self.identity.id).values(expires_at=until)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def release(self, keys: Iterable[str] | None = None) -> None:
        """Give up leases (all of this host's when ``keys`` is None), e.g. at a graceful stop."""
        condition = HostLease.holder == self.identity.id
        if keys is not None:
            condition = and_(condition, HostLease.key.in_(list(keys)))
        with self._db.session() as session:
            session.execute(delete(HostLease).where(condition))

    def forget(self, key: str) -> None:
        """The thing is gone (a deleted strategy): nobody holds its lease any more."""
        with self._db.session() as session:
            session.execute(delete(HostLease).where(HostLease.key == key))

    def _insert_missing(self, rows: list[dict[str, object]]) -> Executable:
        # Two hosts may insert the same free key at once: the second insert is a no-op and the
        # conditional update that follows decides.
        dialect = self._db.engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(HostLease).values(rows).on_conflict_do_nothing(index_elements=["key"])
        return sqlite.insert(HostLease).values(rows).on_conflict_do_nothing(index_elements=["key"])
