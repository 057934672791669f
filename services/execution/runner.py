"""One run of a custom strategy, from its ``strategy_executions`` row to orders.

``begin`` writes the row (``queued``) — refusing a second immediate run of a strategy while one
runs — and ``run`` takes it: ``queued → running`` by compare-and-set (a run that is no longer
queued is left alone), a fresh read-only API token, the engine's isolated child, then the signals:
all validated first, then handed to the dispatcher with source ``execution:<id>`` (the only way a
custom strategy trades), and the row finished with the result. ``start`` (a BackgroundService)
marks runs an earlier life of the host left ``running`` as ``interrupted``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.errors import Conflict, HostError, InvalidInput
from services.execution.contract import ExecutionRequest, ExecutionResult
from services.execution.engine import ExecutionEngine
from services.execution.paths import StrategyRoots
from services.execution.records import ExecutionRecords, Outcome
from services.execution.signals import plan_signals
from services.execution.tokens import ExecutionTokens
from services.market.instruments import InstrumentIndex
from services.orders.dispatch import OrderDispatcher
from services.orders.router import Caller
from services.webhooks.strategies import Strategy, WebhookStrategies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunDefaults:
    timeout_s: float
    memory_mb: int


class Runner:
    name = "custom strategy runs"

    def __init__(
        self,
        *,
        records: ExecutionRecords,
        tokens: ExecutionTokens,
        engine: ExecutionEngine,
        roots: StrategyRoots,
        strategies: WebhookStrategies,
        dispatcher: OrderDispatcher,
        index: Callable[[], InstrumentIndex],
        host_url: Callable[[], str],
        api_key_of: Callable[[int], str | None],
        private_paths: tuple[Path, ...],
        defaults: RunDefaults,
        workers: int,
    ) -> None:
        self._records = records
        self._tokens = tokens
        self._engine = engine
        self._roots = roots
        self._strategies = strategies
        self._dispatcher = dispatcher
        self._index = index
        self._host_url = host_url
        self._api_key_of = api_key_of
        self._private_paths = private_paths
        self._defaults = defaults
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="execution")
        self._begin_lock = threading.Lock()
        self._engine_lock = threading.Lock()
        self._engine_started = False

    # BackgroundService ---------------------------------------------------------------------------
    def start(self) -> None:
        interrupted = self._records.interrupt_running()
        if interrupted:
            log.warning("%d custom-strategy runs were interrupted by the host's stop", interrupted)
        # The warm zygote (~80 MB, pandas imported) starts with the host only when there is a
        # custom strategy to run; otherwise at the first run or validation.
        if any(s.definition.custom is not None for s in self._strategies.all()):
            self.ensure_engine()

    def stop(self) -> None:
        # Runs in flight end with the engine; their rows are interrupted at the next start if
        # they did not finish.
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._engine_lock:
            started, self._engine_started = self._engine_started, False
        if started:
            self._engine.stop()

    def ensure_engine(self) -> ExecutionEngine:
        """The engine, started on first use (idempotent)."""
        with self._engine_lock:
            if not self._engine_started:
                self._engine.start()
                self._engine_started = True
        return self._engine

    # Runs -----------------------------------------------------------------------------------------
    def begin(self, strategy: Strategy, mode: str, trigger: str, payload: dict[str, Any]) -> int:
        """The ``queued`` row of a new run; Conflict (with its id) while another run of the
        strategy is in progress."""
        with self._begin_lock:
            running = self._records.running_of(strategy.id)
            if running is not None:
                raise Conflict(
                    f"Strategy {strategy.name!r} is already running (execution {running}): "
                    "one run at a time.",
                    details={"execution_id": running, "execution_status": "running"},
                )
            execution_id = self._records.create(strategy.id, mode, trigger, payload)
            # Claimed at once, so a second caller sees it running.
            self._records.start(execution_id)
            return execution_id

    def submit(self, execution_id: int) -> Future[None]:
        """Run it on the runner's threads (a request never runs the strategy itself)."""
        return self._pool.submit(self._run_logged, execution_id)

    def _run_logged(self, execution_id: int) -> None:
        try:
            self.run(execution_id)
        except Exception as error:  # a run's failure is its row's, never the thread's
            log.exception("Execution %s failed in the host", execution_id)
            self._records.finish(execution_id, Outcome("failed", error=_error("HostError", str(error))))

    def run(self, execution_id: int) -> None:
        execution = self._records.get(execution_id)
        if execution is None or execution.finished:
            return
        if execution.status == "queued" and not self._records.start(execution_id):
            return  # another worker took it
        strategy = self._strategies.get(execution.strategy_id)
        custom = strategy.definition.custom
        if custom is None:
            self._records.finish(
                execution_id, Outcome("failed", error=_error("Invalid", "not a custom strategy"))
            )
            return
        token = self._tokens.issue(execution_id)
        try:
            file = self._roots.resolve(custom.file)
            result = self.ensure_engine().run(
                ExecutionRequest(
                    execution_id=str(execution_id),
                    file=file.path,
                    strategy_class=custom.class_name,
                    config=custom.config,
                    payload=execution.payload,
                    api_token=token,
                    host_url=self._host_url(),
                    timeout_s=float(custom.limits.get("timeout_s", self._defaults.timeout_s)),
                    memory_mb=int(custom.limits.get("memory_mb", self._defaults.memory_mb)),
                    private_paths=self._private_paths,
                )
            )
        except HostError as error:
            self._records.finish(
                execution_id, Outcome("failed", error=_error(type(error).__name__, error.message))
            )
            return
        finally:
            self._tokens.revoke(execution_id)
        self._finish(strategy, execution_id, result)

    def _finish(self, strategy: Strategy, execution_id: int, result: ExecutionResult) -> None:
        if result.status != "succeeded":
            outcome = Outcome(result.status, result.signals, (), dict(result.error or {}), result.logs)
            self._records.finish(execution_id, outcome)
            return
        logs = result.logs
        try:
            plan = plan_signals(
                result.signals, self._strategies.mappings(strategy.id), strategy.name, self._index
            )
        except InvalidInput as error:
            failure = _error("InvalidSignals", error.message)
            failure["details"] = error.details.get("signals", [])
            self._records.finish(execution_id, Outcome("failed", result.signals, (), failure, logs))
            return
        for number, reason in plan.skipped:
            logs += f"\n[host] signal {number} skipped: {reason}"
        order_ids: list[int] = []
        if plan.intents:
            api_key = self._api_key_of(strategy.user_id)
            if api_key is None:
                failure = _error("NoApiKey", "the host has no API key: create one on the API key page")
                self._records.finish(execution_id, Outcome("failed", result.signals, (), failure, logs))
                return
            caller = Caller(strategy.user_id, api_key, f"execution:{execution_id}")
            order_ids = self._dispatcher.submit(caller, plan.intents, venue=strategy.definition.trading_venue)
        self._records.finish(execution_id, Outcome("succeeded", result.signals, order_ids, None, logs))


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "message": message}
