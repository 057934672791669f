"""Per-strategy environment variables: regular ones in plain text, secure ones encrypted at rest.

Secure values are encrypted with the host's one ``SecretBox`` and leave this module only as
plaintext for the child environment (and are then registered with the log redactor). They are
never returned by ``view``. A value that cannot be decrypted raises ``SecretUnreadable``: it is
never wiped or replaced behind the trader's back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from database.engine import Database
from database.models import PythonStrategyVariable
from services.crypto import SecretBox
from services.errors import InvalidInput
from services.host_logging import SecretRedactor
from services.hosting.child_env import NAME_PATTERN, reserved_reason

log = logging.getLogger(__name__)

VALUE_MAX_BYTES = 4096
MAX_VARIABLES = 200


@dataclass(frozen=True)
class VariablesView:
    """What the UI may see: regular names and values, secure names only."""

    regular: dict[str, str]
    secure: list[str]


@dataclass(frozen=True)
class Resolved:
    """A strategy's variables in plaintext, and which values are secret (masked in its log)."""

    values: dict[str, str]
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class VariablesUpdate:
    """A validated ``POST /python/env/<id>``: all regular variables, secure sets and deletes."""

    regular: dict[str, str]
    secure_set: dict[str, str]
    secure_delete: frozenset[str]


def _check_name(name: object, fields: dict[str, str]) -> str | None:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        shown = str(name)[:70]
        fields[shown] = "Names use letters, digits and _, do not start with a digit, at most 64 characters."
        return None
    reason = reserved_reason(name)
    if reason:
        fields[name] = reason
        return None
    return name


def _check_value(name: str, value: object, fields: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        fields[name] = "The value must be text."
        return None
    if "\x00" in value:
        fields[name] = "The value cannot contain NUL characters."
        return None
    if len(value.encode("utf-8", "surrogatepass")) > VALUE_MAX_BYTES:
        fields[name] = f"At most {VALUE_MAX_BYTES} bytes."
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fields[name] = "The value is not valid text."
        return None
    return value


def parse_update(payload: Mapping[str, Any]) -> VariablesUpdate:
    """Validate the whole request before anything is stored; every problem is reported at once."""
    unknown = sorted(set(payload) - {"regular", "secure"})
    if unknown:
        raise InvalidInput(f"Unknown key: {', '.join(unknown)}. Send 'regular' and 'secure'.")
    regular_in = payload.get("regular", {})
    secure_in = payload.get("secure", {})
    if not isinstance(regular_in, dict) or not isinstance(secure_in, dict):
        raise InvalidInput("'regular' and 'secure' must be JSON objects of NAME: value.")
    fields: dict[str, str] = {}
    regular: dict[str, str] = {}
    for raw_name, raw_value in regular_in.items():
        name = _check_name(raw_name, fields)
        if name is not None:
            value = _check_value(name, raw_value, fields)
            if value is not None:
                regular[name] = value
    secure_set: dict[str, str] = {}
    secure_delete: set[str] = set()
    for raw_name, raw_value in secure_in.items():
        name = _check_name(raw_name, fields)
        if name is None:
            continue
        if raw_value is None:
            secure_delete.add(name)
        else:
            value = _check_value(name, raw_value, fields)
            if value is not None:
                secure_set[name] = value
    for name in sorted(set(regular) & set(secure_set)):
        fields[name] = "A name can be regular or secure, not both."
    if fields:
        raise InvalidInput("Some variables are not valid.", fields=fields)
    return VariablesUpdate(regular, secure_set, frozenset(secure_delete))


class EnvVars:
    """Reads and writes the variables of strategies."""

    def __init__(self, db: Database, box: SecretBox, redactor: SecretRedactor) -> None:
        self._db = db
        self._box = box
        self._redactor = redactor

    def view(self, strategy_id: str) -> VariablesView:
        with self._db.session() as session:
            rows = session.scalars(
                select(PythonStrategyVariable)
                .where(PythonStrategyVariable.strategy_id == strategy_id)
                .order_by(PythonStrategyVariable.name)
            ).all()
            regular = {row.name: row.value for row in rows if not row.secure}
            secure = [row.name for row in rows if row.secure]
        return VariablesView(regular, secure)

    def apply(self, strategy_id: str, update: VariablesUpdate) -> VariablesView:
        """Store ``update`` in one transaction: regular variables replaced, secure ones merged."""
        with self._db.session() as session:
            rows = session.scalars(
                select(PythonStrategyVariable).where(PythonStrategyVariable.strategy_id == strategy_id)
            ).all()
            kept_secure = {row.name for row in rows if row.secure}
            kept_secure = (kept_secure - update.secure_delete) | set(update.secure_set)
            clashes = sorted(kept_secure & set(update.regular))
            if clashes:
                raise InvalidInput(
                    "A name can be regular or secure, not both.",
                    fields=dict.fromkeys(clashes, "Already a secure variable; delete it first."),
                )
            if len(kept_secure) + len(update.regular) > MAX_VARIABLES:
                raise InvalidInput(f"A strategy can have at most {MAX_VARIABLES} variables.")
            session.execute(
                delete(PythonStrategyVariable).where(
                    PythonStrategyVariable.strategy_id == strategy_id,
                    (PythonStrategyVariable.secure.is_(False))
                    | PythonStrategyVariable.name.in_(update.secure_delete | set(update.secure_set)),
                )
            )
            session.flush()
            for name, value in update.regular.items():
                session.add(
                    PythonStrategyVariable(strategy_id=strategy_id, name=name, value=value, secure=False)
                )
            for name, value in update.secure_set.items():
                session.add(
                    PythonStrategyVariable(
                        strategy_id=strategy_id, name=name, value=self._box.encrypt(value), secure=True
                    )
                )
        log.info(
            "Variables of strategy %s saved: %d regular, %d secure set, %d secure deleted",
            strategy_id,
            len(update.regular),
            len(update.secure_set),
            len(update.secure_delete),
        )
        return self.view(strategy_id)

    def resolved(self, strategy_id: str) -> Resolved:
        """Every variable in plaintext for the child environment (SecretUnreadable if a key is lost)."""
        with self._db.session() as session:
            rows = session.scalars(
                select(PythonStrategyVariable).where(PythonStrategyVariable.strategy_id == strategy_id)
            ).all()
            stored = [(row.name, row.value, row.secure) for row in rows]
        values: dict[str, str] = {}
        secrets: list[str] = []
        for name, stored_value, secure in stored:
            value = self._box.decrypt(stored_value) if secure else stored_value
            if secure:
                self._redactor.register(value)
                secrets.append(value)
            values[name] = value
        return Resolved(values, tuple(secrets))
