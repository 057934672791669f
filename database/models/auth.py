"""The admin user and the API key."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped


class User(Timestamped, Base):
    """The single admin of this host."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)


class ApiKey(Timestamped, Base):
    """The user's API key: a digest to verify requests, an encrypted copy to inject into strategies."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    key_digest: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    key_encrypted: Mapped[str] = mapped_column(String(512), nullable=False)
