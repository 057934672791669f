"""The custom side of a strategy's definition (the seed's extension columns), checked for form.

``strategy_file`` (relative to ``custom_strategies/``), ``strategy_class``, ``strategy_config``
(parameters), ``execution_mode``, ``schedule_config`` ``{interval, session_only}`` and ``limits``
``{timeout_s, memory_mb}``. Whether the file exists, holds that class and takes those parameters
is the execution room's to say (it reads the file without running it): the console calls the
check it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EXECUTION_MODES = ("immediate", "queue", "schedule")
INTERVAL_RANGE = (60, 86_400)
TIMEOUT_RANGE = (1, 300)
MEMORY_RANGE = (128, 8192)  # the warm parent alone is ~80 MB of a run's resident memory


@dataclass(frozen=True)
class CustomSpec:
    file: str
    class_name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    execution_mode: str = "immediate"
    #: ``{"interval": seconds, "session_only": bool}`` or None (not scheduled)
    schedule: dict[str, Any] | None = None
    #: ``{"timeout_s": int, "memory_mb": int}``, either left out for the host's default
    limits: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "strategy_file": self.file,
            "strategy_class": self.class_name,
            "strategy_config": self.config,
            "execution_mode": self.execution_mode,
            "schedule_config": self.schedule,
            "limits": self.limits,
        }


def parse_custom(
    payload: Mapping[str, Any], current: CustomSpec | None, problems: dict[str, str]
) -> CustomSpec | None:
    """The custom fields of ``payload`` over ``current``; problems are added by field name."""
    file = payload.get("strategy_file", current.file if current else None)
    if not isinstance(file, str) or not file.strip() or len(file) > 255:
        problems["strategy_file"] = (
            "is required: a file under custom_strategies/, e.g. examples/ema_crossover.py"
        )
        return None
    spec = current or CustomSpec(file=file.strip())
    values: dict[str, Any] = {"file": file.strip()}
    if "strategy_class" in payload:
        name = payload["strategy_class"]
        if name is not None and (not isinstance(name, str) or not name.isidentifier()):
            problems["strategy_class"] = "must be the name of a class in the file"
        values["class_name"] = name or None
    if "strategy_config" in payload:
        config = payload["strategy_config"]
        if config is None:
            config = {}
        if not isinstance(config, dict):
            problems["strategy_config"] = "must be an object of parameter values"
        values["config"] = config
    if "execution_mode" in payload:
        if payload["execution_mode"] not in EXECUTION_MODES:
            problems["execution_mode"] = f"must be one of {', '.join(EXECUTION_MODES)}"
        values["execution_mode"] = payload["execution_mode"]
    if "schedule_config" in payload:
        values["schedule"] = parse_schedule(payload["schedule_config"], problems)
    if "limits" in payload:
        values["limits"] = _limits(payload["limits"], problems)
    merged = CustomSpec(**{**spec.__dict__, **values})
    if merged.execution_mode == "schedule" and merged.schedule is None and "schedule_config" not in problems:
        problems["schedule_config"] = 'is required in schedule mode: {"interval": seconds}'
    return merged


def parse_schedule(raw: Any, problems: dict[str, str]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"interval", "session_only"}:
        problems["schedule_config"] = 'must be {"interval": seconds, "session_only": true|false}'
        return None
    interval = raw.get("interval")
    low, high = INTERVAL_RANGE
    if isinstance(interval, bool) or not isinstance(interval, int) or not low <= interval <= high:
        problems["schedule_config"] = f"interval must be a whole number of seconds from {low} to {high}"
        return None
    session_only = raw.get("session_only", True)
    if not isinstance(session_only, bool):
        problems["schedule_config"] = "session_only must be true or false"
        return None
    return {"interval": interval, "session_only": session_only}


def _limits(raw: Any, problems: dict[str, str]) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"timeout_s", "memory_mb"}:
        problems["limits"] = 'must be {"timeout_s": seconds, "memory_mb": megabytes}'
        return {}
    limits: dict[str, int] = {}
    for name, (low, high) in (("timeout_s", TIMEOUT_RANGE), ("memory_mb", MEMORY_RANGE)):
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems["limits"] = f"{name} must be a whole number from {low} to {high}"
            return {}
        limits[name] = value
    return limits
