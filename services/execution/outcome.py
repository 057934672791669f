"""What one execution reports: its signals as JSON, or its error as type, message and traceback tail.

Runs in the child (standard library only) right after ``execute()`` returns or raises; pure, so
the unit tests check it in-process.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any

#: Lines of a traceback kept in a report (the end of it: where the error happened).
TRACEBACK_LINES = 20
#: The JSON of one execution's signals may not be larger than this.
MAX_SIGNALS_BYTES = 1024 * 1024
MESSAGE_CHARS = 2000

RETURN_RULE = "execute() must return a list of signals (symbol strings, dicts, or objects with as_dict())"


class BadReturn(Exception):
    """``execute()`` returned something that is not a list of signals."""


def _one_signal(item: object, index: int) -> str | dict[str, Any]:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return item
    as_dict = getattr(item, "as_dict", None)
    if callable(as_dict):
        value = as_dict()
        if isinstance(value, dict):
            return value
        raise BadReturn(f"{RETURN_RULE}: signal {index}'s as_dict() returned {type(value).__name__}")
    raise BadReturn(f"{RETURN_RULE}: signal {index} is {type(item).__name__}")


def to_signals(returned: object) -> list[str | dict[str, Any]]:
    """``execute()``'s return value as JSON-able signals, or ``BadReturn`` saying what is wrong."""
    if not isinstance(returned, list | tuple):
        raise BadReturn(f"{RETURN_RULE}, not {type(returned).__name__}")
    signals = [_one_signal(item, index) for index, item in enumerate(returned)]
    try:
        size = len(json.dumps(signals, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise BadReturn(f"{RETURN_RULE}: a signal holds a value that is not JSON ({error})") from None
    if size > MAX_SIGNALS_BYTES:
        raise BadReturn(f"the signals take {size} bytes as JSON (at most {MAX_SIGNALS_BYTES})")
    return signals


def _message(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"the strategy called sys.exit({error.code!r})"
    text = str(error)
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "…"


def error_info(error: BaseException, hidden: Callable[[str], bool] = lambda _: False) -> dict[str, str]:
    """``{type, message, traceback_tail}`` of ``error``; frames whose file ``hidden`` says are the
    engine's own are left out (the trader sees their code, not ours)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not hidden(frame.filename)]
    lines = traceback.format_list(frames) if frames else []
    lines += traceback.format_exception_only(type(error), error)
    text = "".join(lines).rstrip("\n").splitlines()
    tail = text[-TRACEBACK_LINES:]
    if frames:
        tail.insert(0, "Traceback (most recent call last):")
    return {
        "type": type(error).__name__,
        "message": _message(error),
        "traceback_tail": "\n".join(tail),
    }


def failure(kind: str, message: str) -> dict[str, str]:
    """An error the engine states itself (a kill, an exit): no traceback."""
    return {"type": kind, "message": message, "traceback_tail": ""}
