"""Reading alerts as TradingView, the openalgo SDK and signal senders really send them."""

from __future__ import annotations

import json

import pytest

from services.errors import InvalidInput, PayloadTooLarge
from services.webhooks.alerts import MAX_BODY_BYTES, Alert, parse_alert


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_tradingview_alert_with_numbers_as_strings_and_any_case() -> None:
    alert = parse_alert(b'{"symbol": "sbin", "action": "buy", "position_size": "10"}')
    assert alert == Alert("SBIN", "BUY", 10)


def test_what_the_sdk_posts_and_the_signal_form() -> None:
    assert parse_alert(body({"symbol": "INFY", "action": "SELL", "position_size": "-5"})).position_size == -5
    signal = parse_alert(body({"symbol": "INFY", "action": "Long_Entry"}))
    assert signal.action == "long_entry" and signal.is_signal and signal.position_size is None


@pytest.mark.parametrize("size", [10, 10.0, "10", " 10 ", "10.0", "+10"])
def test_position_size_forms(size: object) -> None:
    assert parse_alert(body({"symbol": "SBIN", "action": "BUY", "position_size": size})).position_size == 10


@pytest.mark.parametrize("size", ["ten", 1.5, "1.5", True, [1], "1e3"])
def test_a_position_size_that_is_not_a_whole_number_names_the_field(size: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_alert(body({"symbol": "SBIN", "action": "BUY", "position_size": size}))
    assert "position_size" in raised.value.fields


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"symbol": "SBIN", "action": "HOLD"}', "action"),
        (b'{"action": "BUY"}', "symbol"),
        (b'{"symbol": "SB IN", "action": "BUY"}', "symbol"),
        (b'{"symbol": "SBIN", "action": "BUY", "exchange": 5}', "exchange"),
    ],
)
def test_bad_fields_are_named(raw: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_alert(raw)
    assert field in raised.value.fields


@pytest.mark.parametrize("raw", [b"", b"BUY SBIN", b"[1, 2]", b'{"symbol": ', b"\xff\xfe"])
def test_malformed_bodies_say_so(raw: bytes) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_alert(raw)
    assert raised.value.details.get("error") == "malformed JSON"


def test_a_body_over_16_kb_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_alert(b"{" + b" " * MAX_BODY_BYTES + b"}")


def test_the_idempotency_key_comes_from_id_alert_id_or_the_header() -> None:
    assert parse_alert(body({"symbol": "A", "action": "BUY", "id": "x1"})).idempotency_key == "x1"
    assert parse_alert(body({"symbol": "A", "action": "BUY", "alert_id": 77})).idempotency_key == "77"
    assert parse_alert(body({"symbol": "A", "action": "BUY"}), "hdr-9").idempotency_key == "hdr-9"
    assert parse_alert(body({"symbol": "A", "action": "BUY"})).idempotency_key is None
    with pytest.raises(InvalidInput):
        parse_alert(body({"symbol": "A", "action": "BUY", "id": "x" * 65}))


def test_a_bom_and_an_exchange_are_understood() -> None:
    alert = parse_alert(b'\xef\xbb\xbf{"symbol": "NIFTY26DECFUT", "action": "BUY", "exchange": "nfo"}')
    assert alert.symbol == "NIFTY26DECFUT" and alert.exchange == "NFO"
