"""Reading an alert as senders really send it.

TradingView posts the alert message as typed, often as ``text/plain``; the ``openalgo`` SDK's
``Strategy.strategyorder`` posts JSON with ``position_size`` as a string; newer senders use the
signal form (``long_entry`` ...). All of them become one ``Alert``. Anything else is an
``InvalidInput`` naming the field, before the alert is recorded as accepted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from services.errors import InvalidInput, PayloadTooLarge

#: TradingView's message limit is 4 KB; 16 KB leaves room for anything a sender adds.
MAX_BODY_BYTES = 16 * 1024
ORDER_ACTIONS = ("BUY", "SELL")
SIGNALS = ("long_entry", "long_exit", "short_entry", "short_exit")
#: an explicit idempotency key: printable, at most this long
_KEY = re.compile(r"[\x21-\x7e]{1,64}")
_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9&_.\-]{0,63}")
_INTEGER = re.compile(r"[+-]?\d{1,12}(?:\.0*)?")


@dataclass(frozen=True)
class Alert:
    symbol: str
    #: ``BUY`` / ``SELL`` (TradingView, the SDK) or one of ``SIGNALS``
    action: str
    position_size: int | None = None
    #: the exchange when the alert names one (to tell apart a symbol mapped on two exchanges)
    exchange: str | None = None
    #: ``id`` / ``alert_id`` in the body or the ``Idempotency-Key`` header
    idempotency_key: str | None = None

    @property
    def is_signal(self) -> bool:
        return self.action in SIGNALS


def check_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The alert is larger than {MAX_BODY_BYTES // 1024} KB.")


def parse_alert(body: bytes, idempotency_header: str | None = None) -> Alert:
    """The alert in ``body`` (JSON whatever the content type says)."""
    check_size(body)
    payload = _json_object(body)
    symbol = _symbol(payload.get("symbol"))
    action = _action(payload.get("action"))
    size = _position_size(payload.get("position_size"))
    exchange = payload.get("exchange")
    if exchange is not None and (not isinstance(exchange, str) or not exchange.strip()):
        raise InvalidInput(
            "exchange must be an exchange code such as NSE.", fields={"exchange": "is invalid"}
        )
    return Alert(
        symbol=symbol,
        action=action,
        position_size=size,
        exchange=exchange.strip().upper() if isinstance(exchange, str) else None,
        idempotency_key=_idempotency_key(payload, idempotency_header),
    )


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8-sig")
        payload = json.loads(text) if text.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidInput(
            f"The alert is not valid JSON ({error}). Send a message such as "
            '{"symbol": "SBIN", "action": "BUY"}.',
            details={"error": "malformed JSON"},
        ) from None
    if not isinstance(payload, dict):
        raise InvalidInput(
            'The alert must be a JSON object such as {"symbol": "SBIN", "action": "BUY"}.',
            details={"error": "malformed JSON"},
        )
    return payload


def _symbol(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("symbol is required.", fields={"symbol": "is required"})
    symbol = value.strip().upper()
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidInput(f"symbol {value[:64]!r} is not a trading symbol.", fields={"symbol": "is invalid"})
    return symbol


def _action(value: object) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in ORDER_ACTIONS:
            return text.upper()
        if text.lower() in SIGNALS:
            return text.lower()
    shown = value[:32] if isinstance(value, str) else value
    raise InvalidInput(
        f"action {shown!r} is not known: use BUY or SELL, or one of {', '.join(SIGNALS)}.",
        fields={"action": "is not BUY, SELL or a signal"},
    )


def _position_size(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput(
            "position_size must be a whole number.", fields={"position_size": "is not a number"}
        )
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e12:
        return int(value)
    if isinstance(value, int) and abs(value) < 10**12:
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(float(value.strip()))
    raise InvalidInput(
        'position_size must be a whole number of shares (for example 10, -10 or "0").',
        fields={"position_size": "is not a whole number"},
    )


def _idempotency_key(payload: dict[str, Any], header: str | None) -> str | None:
    for raw in (payload.get("id"), payload.get("alert_id"), header):
        value = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
        if isinstance(value, str) and value.strip():
            key = value.strip()
            if not _KEY.fullmatch(key):
                raise InvalidInput(
                    "The idempotency key (id, alert_id or Idempotency-Key) must be 1-64 "
                    "printable characters.",
                    fields={"id": "is invalid"},
                )
            return key
    return None
