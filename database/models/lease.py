"""Leases: which running host looks after a thing (a hosted strategy) while several hosts share
one database. Written only by ``services.leases``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime


class HostLease(Base):
    __tablename__ = "host_leases"

    #: what is leased, namespaced: ``python:<strategy id>``
    key: Mapped[str] = mapped_column(String(150), primary_key=True)
    #: the host holding it: ``<machine>/<pid>/<process start time>``
    holder: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
