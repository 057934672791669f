"""The ``strategies`` table and its symbol mappings: create, change, list, look up by webhook id.

The webhook id is a credential (whoever knows it trades): 192 random bits, stored as a digest
for lookup and Fernet-encrypted to show the logged-in admin; rotating it makes the old URL
answer 404 at once. Mapped symbols must exist in the master contract, in whole lots.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.engine import Database
from database.models.trading import SymbolMapping, TradingStrategy
from services.broker.sandbox.rules import check_tradable
from services.broker.types import PRODUCTS, OrderRequest
from services.calendar.timefmt import format_hhmm, parse_hhmm
from services.clock import Clock
from services.crypto import SecretBox, api_key_digest
from services.errors import Conflict, InvalidInput, NotFound
from services.market.instruments import InstrumentIndex
from services.webhooks.custom_spec import CustomSpec
from services.webhooks.definition import StrategyDefinition
from services.webhooks.windows import TradingWindow

WEBHOOK_ID_BYTES = 24  # 192 bits, URL-safe base64: 32 characters
MAPPINGS_MAX = 500


@dataclass(frozen=True)
class Mapping:
    id: int
    symbol: str
    exchange: str
    quantity: int
    product: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "symbol": self.symbol,
            "exchange": self.exchange,
            "quantity": self.quantity,
            "product": self.product,
        }


@dataclass(frozen=True)
class Strategy:
    id: int
    user_id: int
    definition: StrategyDefinition
    is_active: bool
    last_squareoff_on: date | None
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        return self.definition.name

    def source(self, delivery_id: int) -> str:
        """The order journal's ``source`` of the orders one delivery produced: it ties the orders
        to their delivery even when the host stops between journaling them and finishing the
        delivery (a retry then finds them instead of placing them again)."""
        return f"webhook:{self.id}:{delivery_id}"


class WebhookStrategies:
    def __init__(
        self, db: Database, clock: Clock, box: SecretBox, index: Callable[[], InstrumentIndex]
    ) -> None:
        self._db = db
        self._clock = clock
        self._box = box
        self._index = index

    # Strategies --------------------------------------------------------------------------------
    def create(self, user_id: int, definition: StrategyDefinition) -> tuple[Strategy, str]:
        """The new strategy and its webhook id (plaintext)."""
        token = new_webhook_id()
        now = self._clock.now()
        row = TradingStrategy(
            user_id=user_id,
            webhook_digest=api_key_digest(token),
            webhook_encrypted=self._box.encrypt(token),
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        _apply(row, definition)
        with self._db.session() as session:
            self._check_name(session, definition.name, None)
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise _name_taken(definition.name) from None
            return _strategy(row), token

    def update(self, strategy_id: int, definition: StrategyDefinition) -> Strategy:
        with self._db.session() as session:
            row = _row(session, strategy_id)
            self._check_name(session, definition.name, strategy_id)
            _apply(row, definition)
            if not definition.is_intraday:
                self._check_products(session, strategy_id)
            row.updated_at = self._clock.now()
            try:
                session.flush()
            except IntegrityError:
                raise _name_taken(definition.name) from None
            return _strategy(row)

    def get(self, strategy_id: int) -> Strategy:
        with self._db.session() as session:
            return _strategy(_row(session, strategy_id))

    def all(self) -> list[Strategy]:
        with self._db.session() as session:
            rows = session.scalars(select(TradingStrategy).order_by(TradingStrategy.name))
            return [_strategy(row) for row in rows]

    def delete(self, strategy_id: int) -> Strategy:
        with self._db.session() as session:
            row = _row(session, strategy_id)
            strategy = _strategy(row)
            session.delete(row)
            return strategy

    def set_active(self, strategy_id: int, active: bool) -> Strategy:
        with self._db.session() as session:
            row = _row(session, strategy_id)
            row.is_active = active
            row.updated_at = self._clock.now()
            return _strategy(row)

    def webhook_id(self, strategy_id: int) -> str:
        with self._db.session() as session:
            return self._box.decrypt(_row(session, strategy_id).webhook_encrypted)

    def rotate_webhook(self, strategy_id: int) -> str:
        token = new_webhook_id()
        with self._db.session() as session:
            row = _row(session, strategy_id)
            row.webhook_digest = api_key_digest(token)
            row.webhook_encrypted = self._box.encrypt(token)
            row.updated_at = self._clock.now()
        return token

    def by_webhook_id(self, webhook_id: str) -> Strategy | None:
        with self._db.session() as session:
            row = _row_by_webhook_id(session, webhook_id)
            return None if row is None else _strategy(row)

    def by_webhook_id_with_mappings(self, webhook_id: str) -> tuple[Strategy, list[Mapping]] | None:
        """The strategy of ``webhook_id`` and its mappings, in one read (an alert's first step)."""
        with self._db.session() as session:
            row = _row_by_webhook_id(session, webhook_id)
            if row is None:
                return None
            mappings = session.scalars(select(SymbolMapping).where(SymbolMapping.strategy_id == row.id))
            return _strategy(row), [_mapping(mapping) for mapping in mappings]

    def mark_squared_off(self, strategy_id: int, day: date) -> None:
        with self._db.session() as session:
            row = session.get(TradingStrategy, strategy_id)
            if row is not None:
                row.last_squareoff_on = day

    # Symbol mappings ---------------------------------------------------------------------------
    def mappings(self, strategy_id: int) -> list[Mapping]:
        with self._db.session() as session:
            rows = session.scalars(
                select(SymbolMapping)
                .where(SymbolMapping.strategy_id == strategy_id)
                .order_by(SymbolMapping.symbol, SymbolMapping.exchange)
            )
            return [_mapping(row) for row in rows]

    def mapping_counts(self) -> dict[int, int]:
        with self._db.session() as session:
            rows = session.execute(
                select(SymbolMapping.strategy_id, func.count()).group_by(SymbolMapping.strategy_id)
            )
            return {int(strategy_id): int(count) for strategy_id, count in rows.tuples()}

    def add_mapping(
        self, strategy_id: int, symbol: str, exchange: str, quantity: int, product: str
    ) -> Mapping:
        strategy = self.get(strategy_id)
        self._check_mapping(strategy, symbol, exchange, quantity, product)
        with self._db.session() as session:
            count = session.scalar(
                select(func.count())
                .select_from(SymbolMapping)
                .where(SymbolMapping.strategy_id == strategy_id)
            )
            if (count or 0) >= MAPPINGS_MAX:
                raise Conflict(f"A strategy maps at most {MAPPINGS_MAX} symbols.")
            row = SymbolMapping(
                strategy_id=strategy_id,
                symbol=symbol,
                exchange=exchange,
                quantity=quantity,
                product=product,
                created_at=self._clock.now(),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict(f"{symbol} on {exchange} is already mapped in this strategy.") from None
            return _mapping(row)

    def delete_mapping(self, strategy_id: int, mapping_id: int) -> Mapping:
        with self._db.session() as session:
            row = session.get(SymbolMapping, mapping_id)
            if row is None or row.strategy_id != strategy_id:
                raise NotFound(f"Strategy {strategy_id} has no symbol mapping {mapping_id}.")
            mapping = _mapping(row)
            session.delete(row)
            return mapping

    def _check_mapping(
        self, strategy: Strategy, symbol: str, exchange: str, quantity: int, product: str
    ) -> None:
        if product not in PRODUCTS:
            raise InvalidInput(
                f"product must be one of {', '.join(PRODUCTS)}.", fields={"product": "is invalid"}
            )
        if product == "MIS" and not strategy.definition.is_intraday:
            raise InvalidInput(
                "MIS (intraday) is only for intraday strategies; use CNC or NRML.",
                fields={"product": "MIS needs an intraday strategy"},
            )
        index = self._index()
        if not len(index):
            raise Conflict("The master contract is not loaded yet; add the symbol once it is ready.")
        instrument = index.get(exchange, symbol)
        if instrument is None:
            raise InvalidInput(
                f"{symbol} is not in the master contract on {exchange}.",
                fields={"symbol": f"{symbol} is not in the master contract on {exchange}"},
            )
        try:
            check_tradable(instrument, OrderRequest(symbol, exchange, "BUY", quantity, product=product))
        except InvalidInput as error:
            message = error.message.removeprefix("Order rejected: ")
            raise InvalidInput(f"Mapping refused: {message}", fields=error.fields) from None

    def _check_name(self, session: Session, name: str, own_id: int | None) -> None:
        query = select(TradingStrategy.id).where(func.lower(TradingStrategy.name) == name.lower())
        other = session.scalar(query)
        if other is not None and other != own_id:
            raise _name_taken(name)

    @staticmethod
    def _check_products(session: Session, strategy_id: int) -> None:
        mis = session.scalar(
            select(func.count())
            .select_from(SymbolMapping)
            .where(SymbolMapping.strategy_id == strategy_id, SymbolMapping.product == "MIS")
        )
        if mis:
            raise InvalidInput(
                "This strategy maps MIS (intraday) symbols: change them to CNC/NRML before turning "
                "intraday off.",
                fields={"is_intraday": "MIS mappings need an intraday strategy"},
            )


def new_webhook_id() -> str:
    return secrets.token_urlsafe(WEBHOOK_ID_BYTES)


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A strategy named {name!r} already exists.", fields={"name": "is taken"})


def _row(session: Session, strategy_id: int) -> TradingStrategy:
    row = session.get(TradingStrategy, strategy_id)
    if row is None:
        raise NotFound(f"There is no strategy {strategy_id}.")
    return row


def _row_by_webhook_id(session: Session, webhook_id: str) -> TradingStrategy | None:
    if not webhook_id or len(webhook_id) > 128:
        return None  # never a token of ours: no digest, no query
    query = select(TradingStrategy).where(TradingStrategy.webhook_digest == api_key_digest(webhook_id))
    return session.scalar(query)


def _apply(row: TradingStrategy, definition: StrategyDefinition) -> None:
    row.name = definition.name
    row.exchange = definition.exchange
    row.strategy_type = definition.strategy_type
    row.trading_mode = definition.trading_mode
    row.is_intraday = definition.is_intraday
    row.start_time = format_hhmm(definition.window.start)
    row.end_time = format_hhmm(definition.window.end)
    row.squareoff_time = format_hhmm(definition.window.squareoff)
    row.trading_venue = definition.trading_venue
    custom = definition.custom
    row.strategy_file = None if custom is None else custom.file
    row.strategy_class = None if custom is None else custom.class_name
    row.strategy_config = json.dumps({} if custom is None else custom.config)
    row.execution_mode = "immediate" if custom is None else custom.execution_mode
    row.schedule_config = None if custom is None or custom.schedule is None else json.dumps(custom.schedule)
    row.limits = json.dumps({} if custom is None else custom.limits)


def _strategy(row: TradingStrategy) -> Strategy:
    window = TradingWindow(
        parse_hhmm(row.start_time or "09:15"),
        parse_hhmm(row.end_time or "15:00"),
        parse_hhmm(row.squareoff_time or "15:15"),
    )
    definition = StrategyDefinition(
        name=row.name,
        exchange=row.exchange,
        strategy_type=row.strategy_type,
        trading_mode=row.trading_mode,
        is_intraday=row.is_intraday,
        window=window,
        trading_venue=row.trading_venue,
        custom=_custom(row),
    )
    return Strategy(
        id=row.id,
        user_id=row.user_id,
        definition=definition,
        is_active=row.is_active,
        last_squareoff_on=row.last_squareoff_on,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _custom(row: TradingStrategy) -> CustomSpec | None:
    if row.strategy_type != "custom" or not row.strategy_file:
        return None
    return CustomSpec(
        file=row.strategy_file,
        class_name=row.strategy_class,
        config=json.loads(row.strategy_config or "{}"),
        execution_mode=row.execution_mode,
        schedule=None if not row.schedule_config else json.loads(row.schedule_config),
        limits=json.loads(row.limits or "{}"),
    )


def _mapping(row: SymbolMapping) -> Mapping:
    return Mapping(row.id, row.symbol, row.exchange, row.quantity, row.product)
