"""The admin user and the API key."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped


class User(Timestamped, Base):
    """The single admin of this host."""

    __tablename__ = "users"
    # Every admin the host creates has singleton = 1 and the index is unique: two first-run setups
    # racing each other cannot both insert, on SQLite and PostgreSQL alike.
    __table_args__ = (Index("uq_users_singleton", "singleton", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    #: Stored in each login session and compared on every request; bumped by logout and a new API
    #: key, which ends every session issued before.
    session_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    singleton: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")


class ApiKey(Timestamped, Base):
    """The user's API key: a digest to verify requests, an encrypted copy to inject into strategies."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    key_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    key_encrypted: Mapped[str] = mapped_column(String(512), nullable=False)
