"""After a host crash: find the previous host's strategy processes and adopt or kill them.

A run is recognised by its pid, the process start time and the per-run token in its
environment, so a recycled pid is never mistaken for a strategy. A live process that should run
and whose output pipes still exist is adopted (its log continues in the same file); anything
else of that run is killed, so there are never two processes for one strategy. The strategy's
desired state is kept: the reconcile loop then starts again what should run.
"""

from __future__ import annotations

import logging
import signal

from services.clock import Clock
from services.hosting.launcher import Launcher
from services.hosting.logs import RunLog, StrategyLogs
from services.hosting.repository import RUN_CLEARED, StrategyRecord
from services.hosting.runs import Runs
from services.hosting.slots import Slot
from services.hosting.state import Status

log = logging.getLogger(__name__)


def recover_run(slot: Slot, *, runs: Runs, launcher: Launcher, logs: StrategyLogs, clock: Clock) -> bool:
    """Deal with the run the slot's record says was live when the host went down. True if adopted."""
    record = slot.record
    token = record.run_token
    if token is None:
        return False
    handle = launcher.find(record.run_pid, record.run_create_time, token)
    run = _old_run_log(record, logs)
    if run is not None:
        run.mask(runs.secrets_of(record.id))  # before any adopted output reaches it
    if handle is not None and record.wants_running and run is not None and launcher.reattach(handle, run):
        run.host_line(f"=== Host restarted: process {handle.pid} adopted; this run continues ===")
        elapsed = (clock.now() - record.last_started).total_seconds() if record.last_started else 0.0
        slot.process, slot.run = handle, run
        slot.started_mono = clock.monotonic() - max(0.0, elapsed)
        # Not a transition of the status machine: the slot starts its life already running.
        slot.status = Status.RUNNING
        slot.pending_events.append("adopted")
        slot.refresh()
        log.info("Strategy %s: adopted process %s after a host restart", record.id, handle.pid)
        return True
    if handle is not None:
        launcher.send_signal(handle, signal.SIGKILL)
        killed = launcher.finish([handle])
        note = f"process {handle.pid} from before the host restart killed ({killed} more)"
    else:
        killed = launcher.kill_tokens([token])
        note = "the process had ended while the host was down (exit status unknown)"
        if killed:
            note += f"; {killed} leftover process(es) killed"
    if run is not None:
        run.host_line(f"=== Host restarted: {note} ===")
        run.close()
    runs.save(slot, last_stopped=clock.now(), **RUN_CLEARED)
    log.info("Strategy %s: %s", record.id, note)
    return False


def _old_run_log(record: StrategyRecord, logs: StrategyLogs) -> RunLog | None:
    if not record.run_log:
        return None
    try:
        return logs.resume_run(record.id, record.run_log)
    except OSError:
        log.exception("Cannot reopen the log of strategy %s", record.id)
        return None
