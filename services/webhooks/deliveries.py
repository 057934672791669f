"""Every delivery to a strategy's webhook, recorded before it is acted on, and the keys that make a
repeated alert a duplicate.

A delivery row is written first (``received``), then finished with its result, message and the
order-journal ids it produced, so what a sender was told can always be looked up. The newest
``keep`` deliveries per strategy are kept. Dedupe keys live in their own table with an expiry; the
primary key (strategy, key) makes one delivery the first even when two hosts race.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.engine import Database
from database.models.webhook import WebhookDedupeKey, WebhookDelivery
from services.clock import Clock, ist_iso

MESSAGE_MAX = 500
#: an explicit idempotency key holds for a day; an identical body for WEBHOOK_DEDUPE_SECONDS
EXPLICIT_KEY_TTL = timedelta(hours=24)
#: pruning runs on every this-many-th delivery (cheap, and the table never grows far past ``keep``)
PRUNE_EVERY = 25


@dataclass(frozen=True)
class Delivery:
    id: int
    strategy_id: int
    received_at: datetime
    sender: str
    host: str
    headers: dict[str, str]
    body: str
    result: str
    message: str
    duplicate_of: int | None
    order_ids: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "received_at": ist_iso(self.received_at),
            "sender": self.sender,
            "headers": self.headers,
            "body": self.body,
            "result": self.result,
            "message": self.message,
            "duplicate_of": self.duplicate_of,
        }


@dataclass(frozen=True)
class DedupeKey:
    key: str
    ttl: timedelta


def dedupe_keys(body: bytes, explicit: str | None, window_s: float) -> list[DedupeKey]:
    """The keys of one alert: its explicit idempotency key (24 h) and its body (the window)."""
    keys = [DedupeKey("body:" + hashlib.sha256(body.strip()).hexdigest(), timedelta(seconds=window_s))]
    if explicit is not None:
        keys.insert(0, DedupeKey("id:" + explicit, EXPLICIT_KEY_TTL))
    return [key for key in keys if key.ttl.total_seconds() > 0]


class Deliveries:
    def __init__(self, db: Database, clock: Clock, keep: int, host_id: str) -> None:
        self._db = db
        self._clock = clock
        self._keep = keep
        self._host_id = host_id

    def record(
        self,
        strategy_id: int,
        sender: str,
        headers: dict[str, str],
        body: str,
        keys: Sequence[DedupeKey] = (),
    ) -> tuple[int, int | None]:
        """A ``received`` delivery and, in the same transaction, its claim on ``keys``: its id and
        the id of the delivery that already holds one of the keys (None: this one is the first)."""
        for _attempt in range(3):
            try:
                with self._db.session() as session:
                    row = WebhookDelivery(
                        strategy_id=strategy_id,
                        received_at=self._clock.now(),
                        sender=sender[:64],
                        host=self._host_id,
                        headers=json.dumps(headers),
                        body=body,
                        result="received",
                        message="",
                        order_ids="[]",
                    )
                    session.add(row)
                    session.flush()
                    delivery_id = row.id
                    holder = self._claim(session, strategy_id, delivery_id, keys)
            except IntegrityError:
                continue  # another host claimed a key between our read and write: read again
            if delivery_id % PRUNE_EVERY == 0:
                self.prune(strategy_id)
            return delivery_id, holder
        raise RuntimeError("could not settle the alert's dedupe keys")

    def _claim(
        self, session: Session, strategy_id: int, delivery_id: int, keys: Sequence[DedupeKey]
    ) -> int | None:
        """Make ``delivery_id`` the first holder of ``keys``, or return the delivery that already
        holds one of them (then nothing is claimed)."""
        if not keys:
            return None
        now = self._clock.now()
        names = [key.key for key in keys]
        session.execute(
            delete(WebhookDedupeKey).where(
                WebhookDedupeKey.strategy_id == strategy_id,
                WebhookDedupeKey.key.in_(names),
                WebhookDedupeKey.expires_at <= now,
            )
        )
        holder = session.scalar(
            select(WebhookDedupeKey.delivery_id)
            .where(WebhookDedupeKey.strategy_id == strategy_id, WebhookDedupeKey.key.in_(names))
            .order_by(WebhookDedupeKey.delivery_id)
            .limit(1)
        )
        if holder is not None:
            return int(holder)
        session.add_all(
            WebhookDedupeKey(
                strategy_id=strategy_id, key=key.key, delivery_id=delivery_id, expires_at=now + key.ttl
            )
            for key in keys
        )
        session.flush()
        return None

    def take_over(self, strategy_id: int, first: int, delivery_id: int) -> None:
        """Hand the dedupe keys held by ``first`` (a delivery the host never acted on) to
        ``delivery_id``: the sender's retry is acted on instead."""
        with self._db.session() as session:
            session.execute(
                update(WebhookDedupeKey)
                .where(WebhookDedupeKey.strategy_id == strategy_id, WebhookDedupeKey.delivery_id == first)
                .values(delivery_id=delivery_id)
            )

    def unfinished(self, limit: int = 1000) -> list[Delivery]:
        """Deliveries still ``received``: the host stopped while acting on them."""
        with self._db.session() as session:
            rows = session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.result == "received")
                .order_by(WebhookDelivery.id)
                .limit(limit)
            )
            return [_delivery(row) for row in rows]

    def finish(
        self,
        delivery_id: int,
        result: str,
        message: str,
        order_ids: Sequence[int] = (),
        duplicate_of: int | None = None,
    ) -> None:
        with self._db.session() as session:
            finish_in(session, delivery_id, result, message, order_ids, duplicate_of)

    def get(self, delivery_id: int) -> Delivery | None:
        with self._db.session() as session:
            row = session.get(WebhookDelivery, delivery_id)
            return None if row is None else _delivery(row)

    def of_strategy(self, strategy_id: int, limit: int = 100, before: int | None = None) -> list[Delivery]:
        """The newest deliveries first (``before``: older than that delivery id, for paging)."""
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.strategy_id == strategy_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(WebhookDelivery.id < before)
        with self._db.session() as session:
            return [_delivery(row) for row in session.scalars(query)]

    def latest(self, strategy_ids: Sequence[int]) -> dict[int, Delivery]:
        """Each strategy's newest delivery (one query for the whole list page)."""
        newest = (
            select(func.max(WebhookDelivery.id))
            .where(WebhookDelivery.strategy_id.in_(strategy_ids))
            .group_by(WebhookDelivery.strategy_id)
        )
        with self._db.session() as session:
            rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(newest)))
            return {row.strategy_id: _delivery(row) for row in rows}

    def prune(self, strategy_id: int) -> None:
        """Keep the newest ``keep`` deliveries of the strategy; drop expired dedupe keys."""
        with self._db.session() as session:
            oldest_kept = session.scalar(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.strategy_id == strategy_id)
                .order_by(WebhookDelivery.id.desc())
                .offset(self._keep - 1)
                .limit(1)
            )
            if oldest_kept is not None:
                session.execute(
                    delete(WebhookDelivery).where(
                        WebhookDelivery.strategy_id == strategy_id, WebhookDelivery.id < oldest_kept
                    )
                )
            session.execute(delete(WebhookDedupeKey).where(WebhookDedupeKey.expires_at <= self._clock.now()))


def finish_in(  # noqa: PLR0917 - finish()'s arguments, with the session first
    session: Session,
    delivery_id: int,
    result: str,
    message: str,
    order_ids: Sequence[int] = (),
    duplicate_of: int | None = None,
) -> None:
    """Finish a delivery inside the caller's transaction (the order journal's, for an accepted
    alert: its orders and their delivery are committed together)."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        return
    row.result = result
    row.message = message[:MESSAGE_MAX]
    row.order_ids = json.dumps(list(order_ids))
    row.duplicate_of = duplicate_of


def _delivery(row: WebhookDelivery) -> Delivery:
    return Delivery(
        id=row.id,
        strategy_id=row.strategy_id,
        received_at=row.received_at,
        sender=row.sender,
        host=row.host,
        headers=json.loads(row.headers or "{}"),
        body=row.body,
        result=row.result,
        message=row.message,
        duplicate_of=row.duplicate_of,
        order_ids=tuple(json.loads(row.order_ids or "[]")),
    )
