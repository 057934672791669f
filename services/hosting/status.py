"""The status board: one JSON-ready entry per strategy, as ``/python/status`` and events show it.

Entries combine the stored record (settings, last outcome), the supervisor's lock-free runtime
view (status, pid, cached CPU/memory samples) and extensions plugged in by other features (the
scheduler adds ``scheduled``, ``next_start``, ``next_stop``) and, last, what the trader may do
(``actions``, ``badge``: services/hosting/actions.py). Nothing here touches a process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from services.clock import Clock, ist_iso
from services.hosting.actions import presentation
from services.hosting.repository import StrategyRecord
from services.hosting.slots import Runtime, Slot
from services.hosting.state import Status

log = logging.getLogger(__name__)

StatusExtension = Callable[[str], Mapping[str, Any]]
MasterContractSource = Callable[[], Mapping[str, Any]]

DEFAULT_EXTRAS: Mapping[str, Any] = {"scheduled": False, "next_start": None, "next_stop": None}
#: Without a master-contract service wired in, nothing waits for one.
NO_MASTER_CONTRACT: Mapping[str, Any] = {"status": "not_required", "ready": True}


def status_entry(
    record: StrategyRecord,
    runtime: Runtime,
    now_mono: float,
    extensions: list[StatusExtension],
) -> dict[str, Any]:
    """The full status of one strategy."""
    running = runtime.status in {Status.RUNNING, Status.STOPPING}
    sample = runtime.sample if running else None
    entry: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "file_name": record.file_name,
        "status": runtime.status.value,
        "reason": runtime.reason,
        "pid": runtime.pid,
        **DEFAULT_EXTRAS,
        "last_started": ist_iso(record.last_started),
        "last_stopped": ist_iso(record.last_stopped),
        "exit_code": record.exit_code,
        "exit_signal": record.exit_signal,
        "error": record.error if runtime.status in {Status.ERROR, Status.WAITING} else None,
        "stop_reason": record.stop_reason,
        "desired_state": record.desired_state,
        "cpu_percent": None if sample is None else round(sample.cpu_percent, 1),
        "rss_mb": None if sample is None else round(sample.rss_bytes / 1_048_576, 1),
        "rss_peak_mb": round(runtime.rss_peak_bytes / 1_048_576, 1) if runtime.rss_peak_bytes else None,
        "uptime_s": (
            round(max(0.0, now_mono - runtime.started_mono), 1)
            if running and runtime.started_mono is not None
            else None
        ),
        "exchange": record.exchange,
        "restart_on_crash": record.restart_on_crash,
        "stop_signal": record.stop_signal,
        "memory_limit_mb": record.memory_limit_mb,
        "restart_failures": runtime.failures,
        "retry_in_s": (
            round(max(0.0, runtime.retry_at - now_mono), 1) if runtime.retry_at is not None else None
        ),
        "last_lines": list(runtime.last_lines) if runtime.status is Status.ERROR else [],
        "log_trouble": _log_trouble(runtime) if running else None,
        "created_at": ist_iso(record.created_at),
    }
    for extension in extensions:
        try:
            entry.update(extension(record.id))
        except Exception:
            log.exception("A status extension failed for strategy %s", record.id)
    entry["id"] = record.id
    # Last, so the schedule extension's ``scheduled`` counts: what may be done, how it is shown.
    entry.update(presentation(entry))
    return entry


def _log_trouble(runtime: Runtime) -> dict[str, Any] | None:
    """``{"error", "dropped_bytes"}`` while the run's log cannot be written (a full disk)."""
    trouble = runtime.log.trouble if runtime.log is not None else None
    if trouble is None:
        return None
    return {"error": trouble.error, "dropped_bytes": trouble.dropped_bytes}


class StatusBoard:
    """Builds status entries; other features plug in extensions and the master-contract source."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._extensions: list[StatusExtension] = []
        self._master_contract: MasterContractSource = lambda: NO_MASTER_CONTRACT
        self._isolation: Mapping[str, Any] = {}

    def add_extension(self, extension: StatusExtension) -> None:
        self._extensions.append(extension)

    def set_master_contract_source(self, source: MasterContractSource) -> None:
        self._master_contract = source

    def set_isolation(self, isolation: Mapping[str, Any]) -> None:
        """How scripts are kept from the host's secrets on this machine (fixed at start)."""
        self._isolation = isolation

    def entry(self, slot: Slot) -> dict[str, Any]:
        return status_entry(slot.record, slot.view, self._clock.monotonic(), self._extensions)

    def board(self, slots: list[Slot]) -> dict[str, Any]:
        """``/python/status``: every strategy (oldest first), the master contract, IST now."""
        now = self._clock.monotonic()
        ordered = sorted(slots, key=lambda slot: (slot.record.created_at, slot.strategy_id))
        return {
            "strategies": [status_entry(slot.record, slot.view, now, self._extensions) for slot in ordered],
            "master_contract": dict(self._master_contract()),
            "isolation": dict(self._isolation),
            "now_ist": ist_iso(self._clock.now()),
        }
