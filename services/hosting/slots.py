"""The supervisor's runtime state of one strategy, and the immutable view the status board reads.

A ``Slot`` is changed only by the supervisor while it holds the slot's lock. After each change it
publishes a fresh frozen ``Runtime`` view, which readers (``/python/status``, events) take
without any lock, so a status request never waits for a start or a stop in progress.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from services.hosting.launcher import ProcessHandle, Sample
from services.hosting.logs import RunLog
from services.hosting.repository import DESIRED_RUNNING, StrategyRecord
from services.hosting.state import Status, check_move


@dataclass(frozen=True)
class StopRequest:
    """A stop in progress: why, by when it escalates to SIGKILL, and how it should end."""

    reason: str
    deadline: float
    outcome: Status = Status.STOPPED
    error: str | None = None
    keep_desired: bool = False
    killed: bool = False


@dataclass(frozen=True)
class Runtime:
    """What the status board shows about a strategy's process (read without locks)."""

    status: Status
    reason: str | None = None
    pid: int | None = None
    started_mono: float | None = None
    sample: Sample | None = None
    last_lines: tuple[str, ...] = ()
    failures: int = 0
    retry_at: float | None = None
    #: The run's open log, asked live whether it can be written (a full disk).
    log: RunLog | None = None
    #: The most resident memory (of the whole tree when it has a limit) seen in this run.
    rss_peak_bytes: int = 0


@dataclass(eq=False)
class Slot:
    """Runtime state of one strategy. ``record`` caches its row: every write to the row goes
    through the supervisor under ``lock``, which stores the fresh row here."""

    record: StrategyRecord
    status: Status
    lock: threading.Lock = field(default_factory=threading.Lock)
    reason: str | None = None
    process: ProcessHandle | None = None
    run: RunLog | None = None
    started_mono: float | None = None
    stop: StopRequest | None = None
    failures: int = 0
    retry_at: float | None = None
    sample: Sample | None = None
    rss_peak_bytes: int = 0
    last_lines: tuple[str, ...] = ()
    start_reason: str | None = None
    #: Columns of a fresh start not yet written to the database (see ``Runs.record_process``).
    unsaved: dict[str, Any] = field(default_factory=dict)
    retired: bool = False
    #: The run's log could not be written at the last look (announced once per change).
    log_troubled: bool = False
    pending_events: list[str] = field(default_factory=list)
    view: Runtime = field(init=False)

    def __post_init__(self) -> None:
        self.view = Runtime(self.status)

    @property
    def strategy_id(self) -> str:
        return self.record.id

    @property
    def desired_running(self) -> bool:
        return self.record.desired_state == DESIRED_RUNNING

    def move(self, target: Status, event: str, reason: str | None = None) -> None:
        """Change status (legal moves only), note the event to announce and refresh the view."""
        self.status = check_move(self.status, target)
        self.reason = reason
        self.pending_events.append(event)
        self.refresh()

    def refresh(self) -> None:
        self.view = Runtime(
            status=self.status,
            reason=self.reason,
            pid=self.process.pid if self.process is not None else None,
            started_mono=self.started_mono,
            sample=self.sample,
            last_lines=self.last_lines,
            failures=self.failures,
            retry_at=self.retry_at,
            log=self.run,
            rss_peak_bytes=self.rss_peak_bytes,
        )

    def set_sample(self, sample: Sample | None) -> None:
        self.sample = sample
        if sample is not None:
            used = sample.tree_rss_bytes if sample.tree_rss_bytes is not None else sample.rss_bytes
            self.rss_peak_bytes = max(self.rss_peak_bytes, used)
        self.view = replace(self.view, sample=sample, rss_peak_bytes=self.rss_peak_bytes)
