"""Strategy parameters: the defaults a strategy declares and the values a trader gives.

A strategy declares ``parameters = {"fast": 9, "slow": 21, "symbol": "RELIANCE", ...}``: each
default's type (int, float, bool or str) is the parameter's type. ``coerce_parameters`` checks what
a trader typed (in the UI's form or the management API's JSON) against those types and returns the
merged configuration. Standard library only: the host calls it in the web process.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

#: The types a parameter's default may have (bool is checked before int: True is an int in Python).
PARAMETER_TYPES: tuple[type, ...] = (bool, int, float, str)

_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


class ParameterError(ValueError):
    """Parameters that do not fit their declaration; ``errors`` maps each parameter to the reason."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.errors.items()))


class _Refused(Exception):
    """One value that cannot be read as its parameter's type (the message is the reason)."""


def parameter_type(default: Any) -> type:
    """The type of a declared default: bool, int, float or str (TypeError for anything else)."""
    for kind in PARAMETER_TYPES:
        if isinstance(default, kind):
            return kind
    raise TypeError(f"a default must be an int, float, bool or str, not {type(default).__name__}")


def declaration_problems(declared: Any) -> dict[str, str]:
    """What is wrong with a ``parameters`` declaration ({} when it is a valid one)."""
    if not isinstance(declared, Mapping):
        return {"parameters": f"must be a dict of name -> default, not {type(declared).__name__}"}
    problems: dict[str, str] = {}
    for name, default in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            problems[str(name)] = "a parameter's name must be a Python identifier"
            continue
        try:
            parameter_type(default)
        except TypeError as error:
            problems[name] = str(error)
            continue
        if isinstance(default, float) and not math.isfinite(default):
            problems[name] = "a default must be a finite number"
    return problems


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Refused(f"must be true or false, got {_shown(value)}")


def _number(value: Any, kind: str) -> float:
    """``value`` as a finite float: an int, a float or a numeric string (never a bool)."""
    refused = _Refused(f"must be {kind}, got {_shown(value)}")
    if isinstance(value, bool):
        raise refused
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise refused from None
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise refused from None
    else:
        raise refused
    if not math.isfinite(number):
        raise refused
    return number


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    number = _number(value, "a whole number")
    if not number.is_integer():
        raise _Refused(f"must be a whole number, got {_shown(value)}")
    return int(number)


def _to_float(value: Any) -> float:
    return _number(value, "a number")


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Refused(f"must be text, got {_shown(value)}")


_COERCE: dict[type, Callable[[Any], Any]] = {bool: _to_bool, int: _to_int, float: _to_float, str: _to_str}


def coerce_parameters(declared: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The configuration a strategy runs with: ``declared``'s defaults overlaid with ``given``.

    Each given value must fit its default's type: an int takes an int or an integral float or
    string ("10", 10.0); a float takes a number or a numeric string; a bool takes a bool or
    "true"/"false"; a str takes a str. Unknown names are refused. Raises ``ParameterError`` (a
    ``ValueError``) naming every parameter that does not fit, and why.
    """
    problems = declaration_problems(declared)
    if problems:
        raise ParameterError({name: f"declared wrongly: {why}" for name, why in problems.items()})
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ParameterError(
            {"parameters": f"must be an object of name -> value, not {type(given).__name__}"}
        )
    merged = dict(declared)
    errors: dict[str, str] = {}
    for name, value in given.items():
        if name not in declared:
            known = ", ".join(declared) or "none"
            errors[str(name)] = f"unknown parameter (this strategy takes: {known})"
            continue
        try:
            merged[name] = _COERCE[parameter_type(declared[name])](value)
        except _Refused as refused:
            errors[name] = str(refused)
    if errors:
        raise ParameterError(errors)
    return merged


def describe_type(default: Any) -> str:
    """How a parameter's type reads to a trader ("a whole number", "true or false", ...)."""
    return _TYPE_NAMES[parameter_type(default)]
