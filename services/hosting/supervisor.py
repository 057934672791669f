"""The process supervisor: desired state vs reality, reconciled by a loop, never by waiting.

Requests change what a strategy should do (start, stop) and return at once: a start marks the
strategy ``starting`` and wakes the loop, a stop sends the stop signal. The reconcile ``tick``
(every ``tick_s``, and at once when woken or when a process exits) does everything that takes
time: spawns, reaps exits, escalates overdue stops to SIGKILL, restarts after a crash when the
trader opted in, starts what should run once its start gate opens, samples CPU and memory and
enforces memory limits.

Locking: one lock per strategy, held only for short state changes (a spawn, a signal, a reap),
never while waiting for a process. The loop skips a strategy whose lock is busy and comes back
on the next tick. Status readers use the slots' immutable views and take no lock.

The supervisor is also the host's ``BackgroundService``: ``start()`` with no argument adopts or
kills the previous host's leftovers and starts the loop; ``stop()`` with no argument is the
graceful host shutdown. With a strategy id they start or stop that strategy.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.clock import Clock
from services.errors import Conflict, NotFound, Unavailable
from services.hosting.edits import Edits
from services.hosting.launcher import Launcher
from services.hosting.logs import StrategyLogs
from services.hosting.ownership import Ownership
from services.hosting.registry import SlotRegistry
from services.hosting.repository import DESIRED_STOPPED, RUN_CLEARED, StrategyRecord
from services.hosting.runs import Runs, describe_stop
from services.hosting.sampling import MB, sample_running
from services.hosting.slots import Runtime, Slot, StopRequest
from services.hosting.state import ACTIVE, Status
from services.hosting.status import MasterContractSource, StatusBoard, StatusExtension
from services.hosting.stewardship import Steward
from services.live.events import EventBus
from services.wake_loop import WakeLoop

log = logging.getLogger(__name__)

StartGate = Callable[[StrategyRecord], str | None]
RequestListener = Callable[[str, str, str], None]


@dataclass(frozen=True)
class SupervisorConfig:
    tick_s: float = 1.0
    sample_s: float = 5.0
    #: How often strategies with a memory limit have their whole tree measured.
    memory_check_s: float = 0.5
    stop_grace_s: float = 5.0
    #: False in unit tests: nothing ticks but the test itself.
    run_loop: bool = True


class Supervisor:
    """Starts, stops, watches and restores hosted strategies."""

    name = "strategy supervisor"

    def __init__(
        self,
        *,
        runs: Runs,
        launcher: Launcher,
        logs: StrategyLogs,
        clock: Clock,
        events: EventBus,
        config: SupervisorConfig,
        ownership: Ownership | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._runs = runs
        #: Which strategies this host supervises (several hosts may share the database).
        self._ownership = ownership or Ownership(None, clock)
        self._launcher = launcher
        self._logs = logs
        self._clock = clock
        self._events = events
        self._config = config
        self._sleep = sleep
        self._board = StatusBoard(clock)
        self._slots = SlotRegistry(runs.repository, self._board, events)
        #: Changes that must not race a start (edits, settings, clear error, delete).
        self.edits = Edits(self._slots, runs, events)
        self._steward = Steward(
            slots=self._slots, runs=runs, launcher=launcher, logs=logs, clock=clock, ownership=self._ownership
        )
        self._running = False
        self._loop = WakeLoop(
            name="strategy-supervisor",
            tick=self.tick,
            interval_s=config.tick_s,
            log=log,
            failure="Supervisor tick failed",
        )
        self._next_sample = 0.0
        self._next_memory_check = 0.0
        self._start_gate: StartGate | None = None
        self._listeners: list[RequestListener] = []

    # Seams for other features ---------------------------------------------------------------------
    def set_start_gate(self, gate: StartGate | None) -> None:
        """``gate(record)`` returns why a strategy may not start yet (status ``waiting``), or None."""
        self._start_gate = gate
        self.wake()

    def add_status_extension(self, extension: StatusExtension) -> None:
        """``extension(strategy_id)`` returns extra fields merged into its status entry."""
        self._board.add_extension(extension)

    def adopt_orphans(self) -> None:
        """The served host adopts what strategies leave behind, to kill it (``orphans``)."""
        self._launcher.become_subreaper()

    def set_isolation(self, isolation: Mapping[str, Any]) -> None:
        self._board.set_isolation(isolation)

    def set_master_contract_source(self, source: MasterContractSource) -> None:
        """``source()`` returns ``{"status": ..., "ready": ...}`` for ``/python/status``."""
        self._board.set_master_contract_source(source)

    def add_request_listener(self, listener: RequestListener) -> None:
        """``listener(strategy_id, "start" | "stop", reason)`` hears every start/stop request."""
        self._listeners.append(listener)

    # Service lifecycle (the host's BackgroundService) ---------------------------------------------
    def start(self) -> None:
        """Start supervising: recover what the last run left, then run the reconcile loop."""
        if self._running:
            return
        self._launcher.start(on_exit=self.wake)
        slots = self._all_slots()
        self._ownership.claim(slot.strategy_id for slot in slots)
        self._steward.take_over([slot for slot in slots if self._ownership.owns(slot.strategy_id)])
        self._running = True
        if self._config.run_loop:
            self._loop.start()

    def stop(self) -> None:
        """Graceful host shutdown: stop every running strategy, keeping what the trader asked for."""
        if not self._running:
            return
        self._running = False
        self._loop.stop()
        # Each strategy on its own: one that cannot be asked to stop must not keep the others
        # running unsupervised, and whatever is left at the end is killed.
        for slot in self._all_slots():
            self._steward.guarded(
                slot, lambda s: self._request_stop(s, "shutdown", keep_desired=True), running=True
            )
        deadline = self._clock.monotonic() + self._config.stop_grace_s + 5.0
        while self._clock.monotonic() < deadline and any(slot.process for slot in self._all_slots()):
            for slot in self._all_slots():
                self._steward.guarded(slot, lambda s: self._reconcile_process(s, self._clock.monotonic()))
            self._sleep(0.02)
        for slot in self._all_slots():
            self._steward.guarded(slot, self._steward.kill_leftover)
        self._launcher.close()
        self._ownership.release_all()
        log.info("Strategy supervisor stopped")

    @property
    def running(self) -> bool:
        return self._running

    def wake(self) -> None:
        """Run the reconcile loop now (a process exited, a gate may have opened...)."""
        self._loop.wake()

    # Strategy operations --------------------------------------------------------------------------
    def start_strategy(self, strategy_id: str, *, reason: str = "manual") -> Runtime:
        """Start one strategy (``reason`` is logged and decides how the scheduler reads it)."""
        slot = self._slot(strategy_id)
        self._require_running()
        self._steward.require_owned(strategy_id)
        self._tell_listeners(strategy_id, "start", reason)
        with self._locked(slot):
            if slot.status in {Status.RUNNING, Status.STARTING}:
                raise Conflict("The strategy is already running.")
            if slot.status is Status.STOPPING:
                raise Conflict("The strategy is still stopping; start it again once it has stopped.")
            slot.failures = 0
            self._try_start(slot, reason)
            return slot.view

    def stop_strategy(self, strategy_id: str, *, reason: str = "manual") -> Runtime:
        """Stop one strategy: SIGTERM now, SIGKILL after the grace period (never waits here)."""
        slot = self._slot(strategy_id)
        self._steward.require_owned(strategy_id)
        self._tell_listeners(strategy_id, "stop", reason)
        with self._locked(slot):
            if slot.status is Status.STOPPING:
                return slot.view
            if slot.status in {Status.WAITING, Status.STARTING}:  # no process yet: cancel the start
                self._runs.save(
                    slot, desired_state=DESIRED_STOPPED, stop_reason=describe_stop(reason), **RUN_CLEARED
                )
                slot.retry_at, slot.start_reason = None, None
                slot.move(Status.STOPPED, "stopped", describe_stop(reason))
                return slot.view
            if slot.status is not Status.RUNNING:
                raise Conflict("The strategy is not running.")
            self._request_stop(slot, reason, keep_desired=False)
            return slot.view

    def stop_all(self, reason: str = "stop all") -> int:
        """Stop every running or waiting strategy (the kill switch). Returns how many."""
        count = 0
        for slot in self._all_slots():
            if slot.status in {Status.RUNNING, Status.WAITING, Status.STARTING} and self._ownership.owns(
                slot.strategy_id
            ):
                try:
                    self.stop_strategy(slot.strategy_id, reason=reason)
                    count += 1
                except (Conflict, NotFound):
                    continue
                except Exception:  # the kill switch goes on to every other strategy
                    log.exception("Stopping strategy %s failed", slot.strategy_id)
        return count

    # Status ------------------------------------------------------------------------------------------
    def runtime(self, strategy_id: str) -> Runtime:
        return self._slot(strategy_id).view

    def is_active(self, strategy_id: str) -> bool:
        return self._slot(strategy_id).view.status in ACTIVE

    def status_entry(self, strategy_id: str) -> dict[str, Any]:
        return self._board.entry(self._slot(strategy_id))

    def status(self) -> dict[str, Any]:
        """``/python/status``: every strategy, the master contract, the time in IST."""
        return self._board.board(self._all_slots())

    # The reconcile loop -----------------------------------------------------------------------------
    def tick(self) -> None:
        """One reconcile pass over every strategy (public so tests can drive it)."""
        now = self._clock.monotonic()
        self._launcher.watchdog()
        self._steward.maintain()
        for slot in self._all_slots():
            if not slot.lock.acquire(blocking=False):
                continue  # a request is changing it; the next tick looks again
            try:
                self._reconcile(slot, now)
            except Exception:
                log.exception("Reconciling strategy %s failed", slot.strategy_id)
            finally:
                slot.lock.release()
                self._flush_events(slot)
        self._record_new_processes()
        if now >= self._next_sample:
            self._next_sample = now + self._config.sample_s
            self._next_memory_check = now + self._config.memory_check_s
            self._sample(limited_only=False)
        elif now >= self._next_memory_check:
            self._next_memory_check = now + self._config.memory_check_s
            self._sample(limited_only=True)

    def _record_new_processes(self) -> None:
        """Write the pid and start time of processes spawned in this pass (after all the spawns,
        so first lines are not held up; before the next pass, so a host crash finds them)."""
        for slot in self._all_slots():
            if slot.unsaved and slot.lock.acquire(blocking=False):
                try:
                    self._runs.record_process(slot)
                except Exception:
                    log.exception("Recording the process of strategy %s failed", slot.strategy_id)
                finally:
                    slot.lock.release()

    def _reconcile(self, slot: Slot, now: float) -> None:
        if slot.retired or not self._ownership.owns(slot.strategy_id):
            return
        if slot.process is not None:
            self._reconcile_process(slot, now)
            return
        if slot.status is Status.STARTING:
            self._runs.spawn(slot, slot.start_reason or "manual")
            return
        if not (self._running and slot.desired_running and slot.status in {Status.STOPPED, Status.WAITING}):
            return
        if slot.retry_at is not None and now < slot.retry_at:
            return
        reason = slot.start_reason or "restore"
        if self._try_start(slot, reason):
            self._runs.spawn(slot, reason)

    def _reconcile_process(self, slot: Slot, now: float) -> None:
        if slot.process is None:
            return
        self._notice_log_trouble(slot)
        self._runs.record_process(slot)
        exit_status = self._launcher.exit_status(slot.process)
        if exit_status is not None:
            self._runs.close_run(slot, exit_status)
            if slot.status is Status.WAITING:
                slot.start_reason = "restart after crash"
                self.wake()
        elif slot.stop is not None and not slot.stop.killed and now >= slot.stop.deadline:
            self._runs.escalate(slot)

    @staticmethod
    def _notice_log_trouble(slot: Slot) -> None:
        """Tell the live views when a run's log stops (or starts again) taking writes."""
        troubled = slot.run is not None and slot.run.trouble is not None
        if troubled != slot.log_troubled:
            slot.log_troubled = troubled
            slot.pending_events.append("log unwritable" if troubled else "log writable")

    def _try_start(self, slot: Slot, reason: str) -> bool:
        """Mark the strategy ``starting`` (the loop spawns it at once) or ``waiting`` while the
        start gate gives a reason not to start yet. The wish is stored first either way.

        Requests never spawn: the loop does, for manual starts, restores and restarts alike, so
        a request thread never waits for a fork or for a new interpreter to load. True when the
        strategy is now ``starting``.
        """
        if not slot.desired_running or slot.record.run_token is None:
            self._runs.stage_start(slot)
        slot.start_reason = reason
        gate = self._start_gate
        waiting_for = gate(slot.record) if gate is not None else None
        if waiting_for:
            if slot.status is not Status.WAITING or slot.reason != waiting_for:
                slot.move(Status.WAITING, "waiting", waiting_for)
            return False
        slot.move(Status.STARTING, "starting", reason)
        self.wake()
        return True

    def _request_stop(self, slot: Slot, reason: str, *, keep_desired: bool, error: str | None = None) -> None:
        if not keep_desired:
            # Persisted first: a host crash during the grace period must not bring it back.
            self._runs.save(slot, desired_state=DESIRED_STOPPED)
        request = StopRequest(
            reason=reason,
            deadline=self._clock.monotonic() + self._config.stop_grace_s,
            outcome=Status.ERROR if error else Status.STOPPED,
            error=error,
            keep_desired=keep_desired,
        )
        self._runs.request_stop(slot, request, slot.record.stop_signal)
        self.wake()

    def _sample(self, *, limited_only: bool) -> None:
        slots, launcher = self._all_slots(), self._launcher
        for slot in sample_running(slots, launcher, self._enforce_memory_limit, limited_only=limited_only):
            self._flush_events(slot)

    def _enforce_memory_limit(self, slot: Slot, used: int, limit: int) -> None:
        """Stop a strategy over its resident-memory ceiling (it ends in ``error``). Slot locked."""
        if slot.status is not Status.RUNNING:
            return
        message = f"Stopped: memory limit ({used / MB:.0f} MB used, limit {limit} MB)"
        if slot.run is not None:
            slot.run.host_line(f"=== {message} ===")
        self._request_stop(slot, "memory limit", keep_desired=False, error=message)

    # Slots ---------------------------------------------------------------------------------------------
    def _slot(self, strategy_id: str) -> Slot:
        return self._slots.get(strategy_id)

    def _all_slots(self) -> list[Slot]:
        return self._slots.all()

    def _locked(self, slot: Slot) -> contextlib.AbstractContextManager[Slot]:
        return self._slots.locked(slot)

    def _flush_events(self, slot: Slot) -> None:
        self._slots.flush_events(slot)

    def _tell_listeners(self, strategy_id: str, action: str, reason: str) -> None:
        for listener in self._listeners:
            try:
                listener(strategy_id, action, reason)
            except Exception:
                log.exception("A start/stop listener failed for strategy %s", strategy_id)

    def _require_running(self) -> None:
        if not self._running:
            raise Unavailable("The strategy supervisor is not running; strategies cannot start now.")
