from __future__ import annotations

import logging

import pytest

from services.host_logging import MASK, IstFormatter, SecretRedactor


@pytest.mark.parametrize(
    "message",
    [
        "login password=hunter2hunter2",
        'payload {"apikey": "abcdef0123"}',
        "Authorization: Bearer-xyz",
        "key " + "ab" * 32,
        "token gAAAAABlongfernettokenvalue_abcdefghijkl",
    ],
)
def test_secret_looking_values_are_masked(message: str) -> None:
    redacted = SecretRedactor().redact(message)
    assert MASK in redacted
    for secret in ("hunter2hunter2", "abcdef0123", "ab" * 32, "gAAAAABlongfernettokenvalue"):
        assert secret not in redacted


def test_registered_literal_values_are_masked() -> None:
    redactor = SecretRedactor()
    redactor.register("my-broker-pin-9981")
    assert redactor.redact("connecting with my-broker-pin-9981 now") == f"connecting with {MASK} now"


def test_ordinary_messages_pass_unchanged() -> None:
    assert SecretRedactor().redact("Strategy 12 started (pid 4321)") == "Strategy 12 started (pid 4321)"


def test_timestamps_are_in_ist() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.created = 0.0  # 1970-01-01T00:00:00Z
    assert IstFormatter().formatTime(record) == "1970-01-01T05:30:00.000+05:30"
