"""What the management routes need to know about strategy files, without running any of them.

``check`` is the execution room's check of a custom strategy's definition (injected into the
webhook console): the file resolves inside ``custom_strategies/``, parses, holds the class (or a
single one), and the parameters match the types of the class's declared defaults. ``listing`` is
``GET /strategy/api/custom``. Both read files with ``ast`` only (``discovery``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from services.errors import InvalidInput
from services.execution.discovery import Discovery
from services.webhooks.custom_spec import CustomSpec


class Catalog:
    def __init__(self, discovery: Discovery) -> None:
        self.discovery = discovery

    def listing(self) -> list[dict[str, Any]]:
        return [entry.as_dict() for entry in self.discovery.list()]

    def check(self, spec: CustomSpec) -> CustomSpec:
        ref = self.discovery.roots.resolve(spec.file)
        entry = self.discovery.inspect(ref)
        chosen = entry.pick(spec.class_name)
        try:
            config = coerce_parameters(chosen.parameters, spec.config)
        except ValueError as error:
            raise InvalidInput(
                f"Invalid parameters: {error}", fields={"strategy_config": str(error)}
            ) from None
        return replace(spec, file=ref.file, class_name=chosen.class_name, config=config)


def coerce_parameters(declared: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` checked against the types of the ``declared`` defaults (the host's check; the
    strategy merges the same way in ``custom_strategies.base_strategy``): only what differs from
    the defaults is kept; ValueError names the parameter."""
    config: dict[str, Any] = {}
    for name, value in given.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ValueError(f"{name} is not a parameter of this strategy (parameters: {known})")
        config[name] = _coerce(name, declared[name], value)
    return config


def _coerce(name: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise ValueError(f"{name} must be true or false")
    if isinstance(default, int):
        number = _number(name, value)
        if not float(number).is_integer():
            raise ValueError(f"{name} must be a whole number")
        return int(number)
    if isinstance(default, float):
        return float(_number(name, value))
    if isinstance(default, str):
        if not isinstance(value, str) or len(value) > 1000:
            raise ValueError(f"{name} must be text (at most 1000 characters)")
        return value
    return value  # a default of another type (list, None): taken as given


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number")
    return number
