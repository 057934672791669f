"""Stand-in with the fixed interface of custom_strategies.base_strategy (tests only)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Signal:
    symbol: str
    action: str = "BUY"
    exchange: str | None = None
    quantity: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


class BaseStrategy(abc.ABC):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    parameters: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        api_key: str,
        strategy_config: dict[str, Any] | None = None,
        *,
        host: str | None = None,
        payload: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.api_key = api_key
        self.config = {**self.parameters, **(strategy_config or {})}
        self.host = host
        self.payload = payload or {}
        self._log = log or print

    def log(self, message: str) -> None:
        self._log(message)

    @abc.abstractmethod
    def execute(self) -> list[str | dict[str, Any] | Signal]: ...
