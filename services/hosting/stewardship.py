"""What happens to a strategy when this host takes it on or must let it go.

Taking on (at start, or when a lease becomes free): adopt or kill what its last run left (after a
restart of this host, or from a host that died), then the reconcile loop treats it as usual.
Letting go (a graceful shutdown, or a lease lost to another host): each strategy on its own, a
failure logged and never raised, and whatever still runs is killed with its group, so a strategy
is never left running unsupervised nor run by two hosts.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

from services.clock import Clock
from services.errors import Conflict
from services.hosting.launcher import ExitStatus, Launcher
from services.hosting.logs import StrategyLogs
from services.hosting.ownership import Ownership
from services.hosting.recovery import recover_run
from services.hosting.registry import SlotRegistry
from services.hosting.runs import Runs
from services.hosting.slots import Slot, StopRequest
from services.hosting.state import Status

log = logging.getLogger(__name__)


class Steward:
    def __init__(
        self,
        *,
        slots: SlotRegistry,
        runs: Runs,
        launcher: Launcher,
        logs: StrategyLogs,
        clock: Clock,
        ownership: Ownership,
    ) -> None:
        self._slots = slots
        self._runs = runs
        self._launcher = launcher
        self._logs = logs
        self._clock = clock
        self._ownership = ownership

    def take_over(self, slots: list[Slot]) -> None:
        """Strategies this host has just become responsible for."""
        for slot in slots:
            with self._slots.locked(slot):
                recover_run(
                    slot, runs=self._runs, launcher=self._launcher, logs=self._logs, clock=self._clock
                )
                if slot.status is Status.ERROR and not slot.last_lines:
                    slot.last_lines = self._runs.error_lines(slot.strategy_id)  # still shown after a restart
                    slot.refresh()

    def maintain(self) -> None:
        """Renew this host's leases; stop what was lost to another host; take on what is free."""
        newly, lost = self._ownership.maintain(slot.strategy_id for slot in self._slots.all())
        for strategy_id in lost:  # another host runs it now: never two processes for one strategy
            self.guarded(self._slots.get(strategy_id), self.kill_leftover)
        if newly:
            self.take_over([self._slots.get(strategy_id) for strategy_id in newly])

    def require_owned(self, strategy_id: str) -> None:
        """A request for a strategy: this host must supervise it (it claims a free one)."""
        if not self._ownership.owns(strategy_id) and not self._ownership.claim([strategy_id]):
            holder = self._ownership.holder(strategy_id) or "another host"
            raise Conflict(f"This strategy is supervised by another host ({holder}); manage it there.")

    def guarded(self, slot: Slot, action: Callable[[Slot], None], *, running: bool = False) -> None:
        """``action(slot)`` under its lock (only while it runs, if ``running``): a failure is
        logged, never raised, so one strategy cannot keep the others from being handled."""
        try:
            with self._slots.locked(slot):
                if not running or slot.status is Status.RUNNING:
                    action(slot)
        except Exception:
            log.exception("Letting go of strategy %s failed", slot.strategy_id)

    def kill_leftover(self, slot: Slot) -> None:
        """A strategy that outlived its stop (or whose lease is lost) is killed with its group."""
        if slot.process is None:
            return
        log.warning("Strategy %s is still running: killing it", slot.strategy_id)
        self._launcher.send_signal(slot.process, signal.SIGKILL)
        if slot.stop is None:  # it was never asked (that failed): still a stop by shutdown
            slot.stop = StopRequest("shutdown", self._clock.monotonic(), keep_desired=True, killed=True)
        self._runs.close_run(slot, ExitStatus(-signal.SIGKILL, "SIGKILL"), "killed at host shutdown")
