"""A dispatch lane: one worker thread that sends one API key's orders one at a time, in arrival
order (so a close-then-reverse pair of smart orders never races), independent of other lanes.

A lane runs its jobs through the dispatcher's ``work`` callable, which never lets an exception
out; the lane logs any that does and carries on, so a lane thread never dies on an order. A lane
idle for ``idle_s`` asks the dispatcher to retire it (``on_idle``), which does so only if nothing
was queued meanwhile, under the dispatcher's lock (the one ``put`` is called under).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.broker.types import OrderRequest
from services.orders.router import Caller

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One journal entry to send: who sends it, where, and what."""

    entry_id: int
    caller: Caller
    venue: str
    order: OrderRequest
    position_size: int | None = None
    #: a smart exit sent only when the position is on this side (``long`` / ``short``)
    only_if: str | None = None


class Lane:
    def __init__(
        self,
        name: str,
        work: Callable[[Job], None],
        stopping: threading.Event,
        on_idle: Callable[[Lane], bool],
        idle_s: float,
    ) -> None:
        self.name = name
        self._work = work
        self._stopping = stopping
        self._on_idle = on_idle
        self._idle_s = idle_s
        self._jobs: deque[Job] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        #: a job is being sent (by the lane's thread, or inline by a caller): the next one waits
        self._busy = False
        self.retired = False

    def put(self, jobs: Iterable[Job], *, front: bool = False) -> None:
        """Queue ``jobs`` in order, after the queued ones (or before them: ``front``)."""
        with self._cond:
            if front:
                self._jobs.extendleft(reversed(list(jobs)))
            else:
                self._jobs.extend(jobs)
            self._cond.notify()

    def try_inline(self) -> bool:
        """Let the caller send one job itself, now: only when the lane runs, holds no job and
        sends none (so the order of jobs is kept). The caller must ``release()`` after."""
        with self._cond:
            if self._busy or self._jobs or self.retired or self._thread is None or self._stopping.is_set():
                return False
            self._busy = True
            return True

    def release(self) -> None:
        """The inline job is sent: the lane's thread may go on with what was queued meanwhile."""
        with self._cond:
            self._busy = False
            self._cond.notify()

    def retire_if_idle(self) -> bool:
        """Mark the lane retired when it holds no job (called under the dispatcher's lock)."""
        with self._cond:
            if not self._jobs and not self._busy:
                self.retired = True
            return self.retired

    def queued(self) -> int:
        with self._cond:
            return len(self._jobs)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def join(self, timeout_s: float) -> bool:
        """Wait for the thread to end (after ``stopping``); True when it did."""
        if self._thread is None:
            return True
        self._thread.join(max(timeout_s, 0.0))
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._work(job)
            except Exception:
                log.exception("Dispatch lane %s: journal entry %s failed", self.name, job.entry_id)
            finally:
                self.release()

    def _next(self) -> Job | None:
        while True:
            with self._cond:
                if self._stopping.is_set():
                    return None
                if self._jobs and not self._busy:
                    self._busy = True
                    return self._jobs.popleft()
                notified = self._cond.wait(self._idle_s)
            # The dispatcher's lock is taken outside the lane's: the same order as ``put``.
            if not notified and self._on_idle(self):
                return None
