"""What the ``/strategy/execute`` route and a custom strategy's webhook ask: run it, now.

``execute`` authenticates the host's API key (401 missing, 403 unknown), finds the strategy by its
webhook id (404; 409 when it is a webhook strategy or inactive), counts the call against
``EXECUTE_RATE_LIMIT`` (429), records the run and waits for it up to the strategy's timeout or the
caller's ``wait``. The answer's ``status`` is the envelope; ``execution_status`` the run's: 200
succeeded, 422 failed, 504 timed out, 202 still running (poll ``/strategy/api/executions/<id>``).
The strategy receives the body, minus ``apikey``, as ``self.payload``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from services.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from services.execution.records import Execution, ExecutionRecords
from services.execution.runner import RunDefaults, Runner
from services.orders.dispatch import OrderDispatcher
from services.webhooks.receiver import UNKNOWN_WEBHOOK, order_view
from services.webhooks.strategies import Strategy, WebhookStrategies
from services.webhooks.throttle import WebhookThrottle

MODES = ("immediate", "queue", "schedule")
#: how long an answer waits for the orders of a finished run to be placed
ORDER_WAIT_S = 1.0
#: a webhook (TradingView gives up after ~3 s) gets the result if it is ready within this
WEBHOOK_WAIT_S = 1.8
STATUS_CODES = {"succeeded": 200, "failed": 422, "timed_out": 504, "skipped": 422, "interrupted": 422}


@dataclass(frozen=True)
class Answer:
    code: int
    body: dict[str, Any]


class ExecutionDesk:
    def __init__(
        self,
        *,
        runner: Runner,
        records: ExecutionRecords,
        strategies: WebhookStrategies,
        dispatcher: OrderDispatcher,
        owner_of_key: Callable[[str], int | None],
        throttle: WebhookThrottle,
        defaults: RunDefaults,
    ) -> None:
        self._runner = runner
        self._records = records
        self._strategies = strategies
        self._dispatcher = dispatcher
        self._owner_of_key = owner_of_key
        self._throttle = throttle
        self._defaults = defaults

    def execute(
        self, webhook_id: str, api_key: str | None, payload: dict[str, Any], mode: str, wait: str | None
    ) -> Answer:
        if not api_key:
            raise NotAuthenticated(
                "An API key is required: send it as apikey in the body or the X-API-KEY header."
            )
        if self._owner_of_key(api_key) is None:
            raise PermissionDenied("Invalid openalgo apikey")
        strategy = self._strategies.by_webhook_id(webhook_id)
        if strategy is None:
            raise NotFound(UNKNOWN_WEBHOOK)
        self._check_runnable(strategy)
        if mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)}.", fields={"mode": "is not a mode"})
        self._throttle.hit(strategy.id)
        _immediate_only(mode)
        return self.run_now(strategy, "execute", payload, _wait(wait, self._timeout_of(strategy)))

    def run_from_page(self, strategy_id: int, mode: str, payload: dict[str, Any], wait: str | None) -> Answer:
        """The page's "Run now" (logged in): the semantics of ``execute``, trigger ``run-now``."""
        strategy = self._strategies.get(strategy_id)
        self._check_runnable(strategy)
        _immediate_only(mode)
        return self.run_now(strategy, "run-now", payload, _wait(wait, self._timeout_of(strategy)))

    def on_webhook(self, strategy: Strategy, payload: dict[str, Any]) -> Answer:
        """A custom strategy's ``/strategy/webhook/<id>``: run it in its mode; answer within 2 s."""
        self._check_runnable(strategy)
        self._throttle.hit(strategy.id)
        answer = self.run_now(strategy, "webhook", payload, WEBHOOK_WAIT_S)
        # TradingView resends on a 5xx: a run that timed out must not be run again by it.
        return Answer(200, answer.body) if answer.code >= 500 else answer

    def run_now(self, strategy: Strategy, trigger: str, payload: dict[str, Any], wait_s: float) -> Answer:
        execution_id = self._runner.begin(strategy, "immediate", trigger, payload)
        future = self._runner.submit(execution_id)
        with contextlib.suppress(FutureTimeout):
            future.result(timeout=wait_s)
        execution = self._records.get(execution_id)
        if execution is None or not execution.finished:
            return Answer(
                202, {"status": "success", "execution_id": execution_id, "execution_status": "running"}
            )
        return self._answer(execution)

    # What the management routes read ------------------------------------------------------------
    def execution(self, execution_id: int) -> dict[str, Any]:
        execution = self._records.get(execution_id)
        if execution is None:
            raise NotFound(f"There is no execution {execution_id}.")
        return self._view(execution, with_log=True)

    def executions_of(self, strategy_id: int, limit: int, before: int | None) -> list[dict[str, Any]]:
        self._strategies.get(strategy_id)
        return [self._view(e, with_log=False) for e in self._records.of_strategy(strategy_id, limit, before)]

    def _view(self, execution: Execution, *, with_log: bool) -> dict[str, Any]:
        view = execution.as_dict(with_log=with_log)
        view["orders"] = [order_view(e) for e in self._dispatcher.wait(list(execution.order_ids), 0)]
        return view

    def _answer(self, execution: Execution) -> Answer:
        orders = [order_view(e) for e in self._dispatcher.wait(list(execution.order_ids), ORDER_WAIT_S)]
        body: dict[str, Any] = {
            "execution_id": execution.id,
            "execution_status": execution.status,
            "signals": execution.signals,
            "orders": orders,
            "execution_time": execution.duration_s,
            "logs": execution.log,
        }
        if execution.status == "succeeded":
            return Answer(200, {"status": "success", **body})
        error = execution.error or {}
        message = str(error.get("message") or execution.status.replace("_", " "))
        return Answer(
            STATUS_CODES.get(execution.status, 422),
            {"status": "error", "message": message, "error": error, **body},
        )

    def _check_runnable(self, strategy: Strategy) -> None:
        if strategy.definition.custom is None:
            raise Conflict(
                f"Strategy {strategy.name!r} is a webhook strategy: send its alerts to /strategy/webhook/.",
                fields={"strategy_type": "not a custom strategy"},
            )
        if not strategy.is_active:
            raise Conflict(f"Strategy {strategy.name!r} is inactive: turn it on to run it.")

    def _timeout_of(self, strategy: Strategy) -> float:
        custom = strategy.definition.custom
        limit = custom.limits.get("timeout_s") if custom is not None else None
        return float(limit or self._defaults.timeout_s)


def _immediate_only(mode: str) -> None:
    if mode != "immediate":
        raise InvalidInput(
            f"mode={mode} is not available on this host yet: use mode=immediate.",
            fields={"mode": "only immediate is available"},
        )


def _wait(raw: str | None, timeout_s: float) -> float:
    """How long the answer waits: the run's timeout (plus the engine's grace), or ``wait``."""
    longest = timeout_s + 5.0
    if raw is None or raw == "":
        return longest
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput("wait must be a number of seconds.", fields={"wait": "is not a number"}) from None
    if not 0 <= value <= 300:
        raise InvalidInput("wait must be from 0 to 300 seconds.", fields={"wait": "is out of range"})
    return min(value, longest)
