"""Reading JSON request bodies safely, for every view at once (``app.request_class``).

The standard decoder turns a deeply nested body into a RecursionError and a 400-digit number
into an int that later overflows a float: both used to become 500s, even before the API key was
looked at. Here a body is decoded once, at the edge: malformed or nested deeper than
``MAX_DEPTH`` levels is a 400 "malformed JSON"; a number that fits no 64-bit value (or NaN,
Infinity) is a 400 naming its field. It applies whether or not a view asks for ``silent``
(silent only spares a body that is not JSON at all).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Request

from services.errors import InvalidInput

#: No body the host accepts is nested anywhere near this deep.
MAX_DEPTH = 32
_INT64 = 2**63
#: Longer digit strings are never converted (Python's own limit would raise at 4,300 digits).
_MAX_INT_DIGITS = 20


class _OutOfRange:
    """Stands in for a number that no field can hold, until the walk names its field."""


_OUT_OF_RANGE = _OutOfRange()


def _int(text: str) -> int | _OutOfRange:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return _OUT_OF_RANGE
    value = int(text)
    return value if -_INT64 <= value < _INT64 else _OUT_OF_RANGE


def _malformed(reason: str) -> InvalidInput:
    return InvalidInput(
        f"The request body is malformed JSON ({reason}).", details={"error": "malformed JSON"}
    )


def parse_json_body(data: str | bytes) -> Any:
    """The body's JSON value; InvalidInput when it is malformed, too deep or out of range."""
    try:
        value = json.loads(data, parse_int=_int)
    except RecursionError:
        raise _malformed(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:  # JSONDecodeError and undecodable bytes
        raise _malformed(str(error)) from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Walk the value without recursion: depth, and every number's range (named by its path)."""
    pending: list[tuple[Any, int, str]] = [(value, 1, "body")]
    while pending:
        item, depth, path = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise _malformed(f"nested more than {MAX_DEPTH} levels deep")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                pending.append((child, depth + 1, _child_path(path, key, depth)))
        elif item is _OUT_OF_RANGE or (isinstance(item, float) and not math.isfinite(item)):
            raise InvalidInput(
                f"Invalid input: {path} is not a number the host can use.",
                fields={path: "is out of range"},
            )


def _child_path(path: str, key: object, depth: int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return str(key) if depth == 1 else f"{path}.{key}"


class HostRequest(Request):
    """Flask's request whose JSON body is read by ``parse_json_body``.

    ``parse_json_body`` raises InvalidInput, which ``silent`` does not swallow: a client learns that
    its JSON is malformed. ``silent`` still spares a body that is not JSON at all (None).
    """

    _parsed_json: tuple[Any] | None = None

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        if cache and self._parsed_json is not None:
            return self._parsed_json[0]
        value = parse_json_body(self.get_data(cache=cache))
        if cache:
            self._parsed_json = (value,)
        return value
