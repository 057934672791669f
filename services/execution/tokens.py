"""The read-only ``/api/v1`` token of one execution: what a custom strategy gets as its API key.

The trader's API key never reaches user code. Each execution gets a fresh token (64 hex
characters, so the log redactor masks it like an API key) whose digest is kept on the execution
row while it runs: ``/api/v1`` answers its market-data and account routes for the strategy's
owner and refuses every order route, and the token dies with the run (the digest is cleared).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from database.engine import Database
from database.models.execution import StrategyExecution
from database.models.trading import TradingStrategy
from services.crypto import api_key_digest

READ_ONLY = (
    "This key belongs to a custom strategy's run and is read-only: a strategy trades by returning signals."
)


class ExecutionTokens:
    def __init__(self, db: Database) -> None:
        self._db = db

    def issue(self, execution_id: int) -> str:
        """A new token for a run (replacing any earlier one of that run)."""
        token = secrets.token_hex(32)
        with self._db.session() as session:
            session.execute(
                update(StrategyExecution)
                .where(StrategyExecution.id == execution_id)
                .values(token_digest=api_key_digest(token))
            )
        return token

    def revoke(self, execution_id: int) -> None:
        with self._db.session() as session:
            session.execute(
                update(StrategyExecution)
                .where(StrategyExecution.id == execution_id)
                .values(token_digest=None)
            )

    def owner_of(self, token: str) -> int | None:
        """The user a running execution's token acts for, or None (unknown, or the run ended)."""
        if not token or len(token) != 64:
            return None
        with self._db.session() as session:
            return session.scalar(
                select(TradingStrategy.user_id)
                .join(StrategyExecution, StrategyExecution.strategy_id == TradingStrategy.id)
                .where(
                    StrategyExecution.token_digest == api_key_digest(token),
                    StrategyExecution.status == "running",
                )
            )
