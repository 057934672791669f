"""Custom strategies (/strategy/execute): the default limits of a run and how many runs are kept."""

from __future__ import annotations

from dataclasses import dataclass

from services.settings.fields import setting as _setting
from services.settings.parsers import float_range as _float_range
from services.settings.parsers import int_range as _int_range
from services.settings.parsers import rate_limit as _rate_limit


@dataclass(frozen=True)
class ExecutionSettings:
    execution_timeout_s: float = _setting(
        "EXECUTION_TIMEOUT_S",
        _float_range(1.0, 300.0),
        30.0,
        "Wall-clock limit of one custom-strategy run unless the strategy sets its own (at most 300)",
    )
    execution_memory_mb: int = _setting(
        "EXECUTION_MEMORY_MB",
        _int_range(128, 65_536),
        512,
        "Memory limit of one custom-strategy run unless the strategy sets its own",
    )
    execution_kept: int = _setting(
        "EXECUTION_KEPT",
        _int_range(10, 1_000_000),
        500,
        "Executions kept per custom strategy (oldest deleted)",
    )
    execute_rate_limit: str = _setting(
        "EXECUTE_RATE_LIMIT",
        _rate_limit,
        "60 per minute",
        "Calls of /strategy/execute per strategy (429 beyond)",
    )
