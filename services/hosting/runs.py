"""One run of a strategy, from spawn to footer: the mechanics the supervisor calls under a slot lock.

``Runs`` knows how to start a process (environment, log header, spawn, bookkeeping in the
database), how to ask it to stop, and how to close a run once the process has ended (kill what is
left, drain its output, write the footer, decide the next status). It never waits for a process:
waiting is the reconcile loop's job.
"""

from __future__ import annotations

import logging
import secrets
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from services.clock import Clock
from services.errors import HostError
from services.hosting.child_env import Injected, build_child_environment
from services.hosting.env_vars import EnvVars
from services.hosting.isolation import Isolation
from services.hosting.launcher import ExitStatus, Launcher, LaunchSpec
from services.hosting.log_reader import LogReader
from services.hosting.logs import RunLog, StrategyLogs
from services.hosting.repository import (
    DESIRED_RUNNING,
    DESIRED_STOPPED,
    RUN_CLEARED,
    StrategyRecord,
    StrategyRepository,
)
from services.hosting.restart_policy import RestartPolicy
from services.hosting.slots import Slot, StopRequest
from services.hosting.state import Status
from services.hosting.store import ScriptStore

log = logging.getLogger(__name__)

ERROR_LINES = 20
STOP_REASONS = {
    "manual": "stopped by user",
    "shutdown": "stopped by shutdown",
    "schedule": "stopped by schedule",
    "stop all": "stopped by stop all",
}


def describe_stop(reason: str) -> str:
    return STOP_REASONS.get(reason, f"stopped: {reason}")


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


@dataclass(frozen=True)
class RunsConfig:
    python: str
    stop_grace_s: float
    policy: RestartPolicy


@dataclass(frozen=True)
class HostFacts:
    """What a strategy is told about the host, read at each start (the URL can change)."""

    host_url: Callable[[], str]
    api_key: Callable[[], str | None]
    environ: Callable[[], Mapping[str, str]]


class Runs:
    def __init__(
        self,
        *,
        repository: StrategyRepository,
        store: ScriptStore,
        env_vars: EnvVars,
        logs: StrategyLogs,
        reader: LogReader,
        launcher: Launcher,
        clock: Clock,
        config: RunsConfig,
        host: HostFacts,
        isolation: Isolation,
    ) -> None:
        self.repository = repository
        self._store = store
        self._env_vars = env_vars
        self._logs = logs
        self._reader = reader
        self._launcher = launcher
        self._clock = clock
        self.config = config
        self._host = host
        self._isolation = isolation

    # Start --------------------------------------------------------------------------------------
    def save(self, slot: Slot, **values: Any) -> None:
        """Write columns of the strategy's row and keep the slot's copy in step.

        Every write to the row goes through here under the slot's lock, so the copy is the row:
        one UPDATE, no read back.
        """
        merged = {**self._take_unsaved(slot), **values}
        self.repository.set_columns(slot.strategy_id, **merged)
        slot.record = replace(slot.record, **merged)

    def record_process(self, slot: Slot) -> None:
        """Persist what a start kept in memory only (the reconcile loop calls this right after)."""
        if slot.unsaved:
            self.save(slot)

    @staticmethod
    def _take_unsaved(slot: Slot) -> dict[str, Any]:
        values, slot.unsaved = slot.unsaved, {}
        if values and slot.process is not None:
            values["run_create_time"] = slot.process.create_time
        return values

    def secrets_of(self, strategy_id: str) -> tuple[str, ...]:
        """The values to mask in a strategy's log (none if they cannot be read right now)."""
        try:
            key = self._host.api_key()
            return self._env_vars.resolved(strategy_id).secrets + ((key,) if key else ())
        except HostError:
            return ()

    def error_lines(self, strategy_id: str) -> tuple[str, ...]:
        """The last lines of the latest run, shown with an error."""
        return tuple(self._reader.last_lines(strategy_id, ERROR_LINES))

    def stage_start(self, slot: Slot) -> None:
        """Store the wish and a fresh run token before any process exists (one write).

        A host crash right after the spawn then still finds the process by its token and
        replaces it: never two processes for one strategy.
        """
        self.save(
            slot,
            desired_state=DESIRED_RUNNING,
            run_token=secrets.token_hex(16),
            run_pid=None,
            run_create_time=None,
            run_log=None,
        )

    def spawn(self, slot: Slot, reason: str) -> None:
        """Start a process for a ``starting`` slot (→ running, or error with the cause)."""
        slot.retry_at, slot.start_reason = None, None
        if slot.record.run_token is None or not slot.desired_running:
            self.stage_start(slot)
        record = slot.record
        token = record.run_token or ""
        try:
            variables = self._env_vars.resolved(record.id)
            injected = self._injected(record, token)
        except HostError as error:  # e.g. SecretUnreadable: shown as the error, nothing wiped
            self._fail_start(slot, error.message, run=None)
            return
        try:
            run = self._logs.begin_run(record.id)
        except OSError as error:  # e.g. the log folder cannot be created: say so, do not retry
            self._fail_start(slot, f"Could not open the strategy's log: {error.strerror or error}", run=None)
            return
        run.mask(variables.secrets + ((injected.api_key,) if injected.api_key else ()))
        script = self._store.path_for(record.id)
        run.host_line(
            f"=== Run {run.run} of '{record.name}' ({record.id}) · started: {reason} · "
            f"{self.config.python} -u {record.file_name} ==="
        )
        if not script.is_file():
            self._fail_start(slot, "The script file is missing from strategies/scripts/.", run)
            return
        env = build_child_environment(self._host.environ(), variables.values, injected)
        try:
            launch = self._isolation.launch(record.id, script, record.memory_limit_mb, env)
        except OSError as exc:
            self._fail_start(slot, f"Could not prepare its working folder: {exc.strerror or exc}", run)
            return
        spec = LaunchSpec(argv=launch.argv, env=launch.env, cwd=launch.cwd, token=token, sink=run)
        try:
            process = self._launcher.spawn(spec)
        except OSError as exc:
            self._fail_start(slot, f"Could not start the process: {exc.strerror or exc}", run)
            return
        slot.process, slot.run = process, run
        slot.started_mono = self._clock.monotonic()
        slot.stop, slot.sample, slot.last_lines, slot.rss_peak_bytes = None, None, (), 0
        # Shown at once, written by the loop once this pass has spawned what it had to: reading
        # the start time of an interpreter that is still loading is slow, and first lines wait.
        slot.unsaved = {
            "run_log": run.current_file,
            "run_pid": process.pid,
            "last_started": self._clock.now(),
            "exit_code": None,
            "exit_signal": None,
            "error": None,
            "stop_reason": None,
        }
        slot.record = replace(slot.record, **slot.unsaved)
        slot.move(Status.RUNNING, "started", None)
        log.info("Strategy %s started (pid %s, %s)", record.id, process.pid, reason)

    def _injected(self, record: StrategyRecord, token: str) -> Injected:
        return Injected(
            strategy_id=record.id,
            strategy_name=record.name,
            host_url=self._host.host_url(),
            api_key=self._host.api_key(),
            exchange=record.exchange,
            run_token=token,
        )

    def _fail_start(self, slot: Slot, message: str, run: RunLog | None) -> None:
        if run is not None:
            run.host_line(f"=== Run could not start: {message} ===")
            run.close()
        self.save(
            slot,
            desired_state=DESIRED_STOPPED,
            error=message,
            exit_code=None,
            exit_signal=None,
            last_stopped=self._clock.now(),
            **RUN_CLEARED,
        )
        slot.process, slot.run, slot.started_mono = None, None, None
        slot.move(Status.ERROR, "error", message)
        log.warning("Strategy %s could not start: %s", slot.strategy_id, message)

    # Stop ---------------------------------------------------------------------------------------
    def request_stop(self, slot: Slot, request: StopRequest, stop_signal: str) -> None:
        """Send the strategy's stop signal to its process group; the loop escalates later."""
        if slot.process is None:
            return
        # The signal first: nothing that can fail (a log on a full disk) may stand before it.
        signum = signal.SIGINT if stop_signal == "SIGINT" else signal.SIGTERM
        self._launcher.send_signal(slot.process, signum)
        slot.stop = request
        slot.move(Status.STOPPING, "stopping", describe_stop(request.reason))
        if slot.run is not None:
            slot.run.host_line(
                f"=== Stop requested ({describe_stop(request.reason)}): sending {stop_signal} ==="
            )

    def escalate(self, slot: Slot) -> None:
        """The grace period is over: SIGKILL the process group."""
        if slot.process is None or slot.stop is None or slot.stop.killed:
            return
        self._launcher.send_signal(slot.process, signal.SIGKILL)
        slot.stop = replace(slot.stop, killed=True)
        if slot.run is not None:
            slot.run.host_line(
                f"=== Still running {self.config.stop_grace_s:g} s after the stop signal: sending SIGKILL ==="
            )

    # End ----------------------------------------------------------------------------------------
    def close_run(self, slot: Slot, exit_status: ExitStatus, note: str | None = None) -> None:
        """The process ended: clean up, write the footer and move to the next status."""
        process = slot.process
        if process is None:
            return
        killed = self._launcher.finish([process])
        seconds = self._clock.monotonic() - (slot.started_mono or self._clock.monotonic())
        outcome = self._outcome(slot, exit_status, seconds)
        if slot.run is not None:
            extra = f" · {killed} leftover process(es) killed" if killed else ""
            if slot.rss_peak_bytes:
                extra += f" · peak memory {slot.rss_peak_bytes / 1_048_576:.0f} MB"
            slot.run.host_line(
                f"=== Run ended · pid {process.pid} · {exit_status.describe()} · ran {duration_text(seconds)}"
                f" · {note or outcome.summary}{extra} ==="
            )
            slot.run.close()
        slot.process, slot.run, slot.started_mono, slot.stop, slot.sample = None, None, None, None, None
        if outcome.status is not Status.STOPPED:
            slot.last_lines = self.error_lines(slot.strategy_id)
        self.save(
            slot,
            desired_state=DESIRED_RUNNING if outcome.keep_running else DESIRED_STOPPED,
            last_stopped=self._clock.now(),
            exit_code=exit_status.code,
            exit_signal=exit_status.signal,
            error=outcome.error,
            stop_reason=outcome.summary,
            **RUN_CLEARED,
        )
        slot.move(outcome.status, outcome.event, outcome.reason)
        log.info("Strategy %s ended: %s (%s)", slot.strategy_id, exit_status.describe(), outcome.summary)

    def _outcome(self, slot: Slot, exit_status: ExitStatus, seconds: float) -> _Outcome:
        stop = slot.stop
        if stop is not None:
            summary = describe_stop(stop.reason)
            if stop.outcome is Status.ERROR:
                return _Outcome(Status.ERROR, "error", summary, stop.error, stop.error, False)
            return _Outcome(Status.STOPPED, "stopped", summary, None, summary, stop.keep_desired)
        if exit_status.clean or not exit_status.known:
            summary = "ended by itself" if exit_status.known else "ended while adopted"
            return _Outcome(Status.STOPPED, "stopped", summary, None, summary, False)
        return self._crash_outcome(slot, exit_status, seconds)

    def _crash_outcome(self, slot: Slot, exit_status: ExitStatus, seconds: float) -> _Outcome:
        policy = self.config.policy
        crash = f"Crashed: {exit_status.describe()}"
        if not slot.record.restart_on_crash:
            slot.failures = 0
            return _Outcome(Status.ERROR, "crashed", "crashed", crash, crash, False)
        slot.failures = policy.failures_after_crash(slot.failures, seconds)
        if policy.gives_up(slot.failures):
            message = f"{crash}. Gave up after {slot.failures} failed runs in a row."
            slot.failures = 0
            return _Outcome(Status.ERROR, "crashed", "crashed", message, message, False)
        delay = policy.delay(max(1, slot.failures))
        slot.retry_at = self._clock.monotonic() + delay
        reason = (
            f"{crash}; restarting in {delay:g} s (failure {slot.failures} of {policy.max_failures})"
            if slot.failures
            else f"{crash} after a healthy run; restarting in {delay:g} s"
        )
        return _Outcome(Status.WAITING, "restarting", "crashed, restart pending", crash, reason, True)


@dataclass(frozen=True)
class _Outcome:
    status: Status
    event: str
    summary: str
    error: str | None
    reason: str | None
    keep_running: bool
