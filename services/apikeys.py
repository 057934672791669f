"""The API key: issued at setup, regenerated on demand, verified on every REST call.

Stored twice: a SHA-256 digest to verify requests, and a Fernet-encrypted copy so the host can
inject the key into the strategies it starts. Regeneration replaces both in one transaction, so
the old key stops working at once, and in the same transaction ends every login session issued
before (a new key is what a trader does when something leaked).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from database.engine import Database
from database.models import ApiKey, User
from services.crypto import SecretBox, api_key_digest, new_api_key
from services.errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewApiKey:
    """A regenerated key and the session generation from now on (the caller's session keeps it)."""

    api_key: str
    session_generation: int


class ApiKeys:
    def __init__(self, db: Database, box: SecretBox) -> None:
        self._db = db
        self._box = box

    def issue(self, session: Session, user_id: int) -> str:
        """Replace the user's key inside ``session``; returns the new plaintext key."""
        key = new_api_key()
        session.execute(delete(ApiKey).where(ApiKey.user_id == user_id))
        session.add(
            ApiKey(user_id=user_id, key_digest=api_key_digest(key), key_encrypted=self._box.encrypt(key))
        )
        return key

    def regenerate(self, user_id: int) -> NewApiKey:
        with self._db.session() as session:
            generation = advance_session_generation(session, user_id)
            if generation is None:
                raise NotFound("No such user.")
            key = self.issue(session, user_id)
        log.info("API key regenerated for user id %s; earlier login sessions ended", user_id)
        return NewApiKey(key, generation)

    def current(self, user_id: int) -> str | None:
        """The user's key in plaintext (for the API key page and for strategies)."""
        with self._db.session() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.user_id == user_id))
            return None if row is None else self._box.decrypt(row.key_encrypted)

    def primary(self) -> str | None:
        """The admin's key, for injection into strategies (there is a single admin)."""
        with self._db.session() as session:
            row = session.scalar(select(ApiKey).order_by(ApiKey.id).limit(1))
            return None if row is None else self._box.decrypt(row.key_encrypted)

    def owner_of(self, api_key: str) -> int | None:
        """The user id the key belongs to, or None for an unknown key."""
        if not api_key or len(api_key) > 256:
            return None
        with self._db.session() as session:
            return session.scalar(select(ApiKey.user_id).where(ApiKey.key_digest == api_key_digest(api_key)))


def advance_session_generation(session: Session, user_id: int) -> int | None:
    """Bump the user's session generation inside ``session``; the new value (None: no such user).

    An UPDATE first, then the read: the row is locked from the update on, so two bumps at once
    both count on every backend.
    """
    session.execute(
        update(User).where(User.id == user_id).values(session_generation=User.session_generation + 1)
    )
    return session.scalar(select(User.session_generation).where(User.id == user_id))
