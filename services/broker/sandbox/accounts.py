"""Paper accounts: created with the configured capital on first use; what is free to trade with.

Also ``order_of``: an account's order by id, as order status, modify and cancel look it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from database.models.sandbox import SandboxAccount, SandboxOrder, SandboxPosition
from services.broker.types import OPEN_STATUSES
from services.errors import NotFound


@dataclass(frozen=True)
class AccountTotals:
    capital: float
    realised_pnl: float
    position_margin: float
    order_margin: float

    @property
    def used_margin(self) -> float:
        return self.position_margin + self.order_margin

    @property
    def available(self) -> float:
        return self.capital + self.realised_pnl - self.used_margin


def order_of(session: Session, user_id: int, orderid: str) -> SandboxOrder:
    """The user's order ``orderid``; NotFound when there is none (or it is someone else's)."""
    row = session.scalar(
        select(SandboxOrder).where(SandboxOrder.orderid == orderid, SandboxOrder.user_id == user_id)
    )
    if row is None:
        raise NotFound(f"Order {orderid} was not found.")
    return row


class PaperAccounts:
    def __init__(self, capital: float) -> None:
        self._capital = capital

    def ensure(self, session: Session, user_id: int, now: datetime) -> SandboxAccount:
        account = session.get(SandboxAccount, user_id)
        if account is None:
            account = SandboxAccount(user_id=user_id, capital=self._capital, created_at=now)
            session.add(account)
            session.flush()
        return account

    def totals(self, session: Session, user_id: int, now: datetime) -> AccountTotals:
        account = self.ensure(session, user_id, now)
        realised, position_margin = session.execute(
            select(
                func.coalesce(func.sum(SandboxPosition.realised_pnl), 0.0),
                func.coalesce(func.sum(SandboxPosition.margin), 0.0),
            ).where(SandboxPosition.user_id == user_id)
        ).one()
        order_margin = session.scalar(
            select(func.coalesce(func.sum(SandboxOrder.reserved_margin), 0.0)).where(
                SandboxOrder.user_id == user_id, SandboxOrder.status.in_(OPEN_STATUSES)
            )
        )
        return AccountTotals(
            account.capital, float(realised), float(position_margin), float(order_margin or 0.0)
        )
