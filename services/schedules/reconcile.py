"""What the scheduler does about one strategy, given the policy's decision and what it is doing now.

Pure (no clock, no I/O), so every case a trader can meet is a one-line test. The rules:

- The policy says stop (outside the window, a holiday, a manual stop): a strategy that runs, is
  starting, or is waiting to start is stopped. Nothing else is ever stopped by the schedule.
- The policy says run and a schedule window is open: each window is started once. A strategy that
  is idle (stopped, or in error from an earlier run) is started, unless this window was already
  started: a strategy that crashed or ended by itself inside its window stays as it is until the
  next window (restarting after a crash is the trader's ``restart_on_crash`` choice, not the
  schedule's). A strategy already running (or waiting to start) counts as this window's start.
- A window without a stop time is open until stopped, so a missed start (the host was down) is only
  caught up on the day it was due: a Friday start must not fire on Sunday.
- The policy says run only because of a manual start (no window open): the trader's start did it;
  the schedule does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.calendar.timefmt import format_ist
from services.clock import to_ist
from services.hosting.state import Status
from services.schedules.plans import Plan
from services.schedules.policy import WAITING_FOR_CONTRACTS, Decision, Verdict
from services.schedules.windows import Window

#: No process and none on the way: the schedule may start these.
IDLE = frozenset({Status.STOPPED, Status.ERROR})
#: A process exists or a start is under way: the schedule may stop these.
STOPPABLE = frozenset({Status.RUNNING, Status.STARTING, Status.WAITING})


class Step(StrEnum):
    NOTHING = "nothing"
    START = "start"  # start it, and remember the window as started
    STOP = "stop"
    MARK = "mark"  # it already runs: remember the window as started


@dataclass(frozen=True)
class Move:
    step: Step
    #: The window to remember as started (START and MARK).
    window: datetime | None = None


NOTHING = Move(Step.NOTHING)


def next_move(plan: Plan, decision: Decision, window: Window | None, status: Status, now: datetime) -> Move:
    """The scheduler's move for a scheduled strategy at ``now`` (``window``: the open one, if any)."""
    if decision.verdict is Verdict.STOP:
        return Move(Step.STOP) if status in STOPPABLE else NOTHING
    if window is None or plan.window_started == window.start:
        return NOTHING
    if status in IDLE:
        return Move(Step.START, window.start) if catching_up_allowed(window, now) else NOTHING
    return Move(Step.MARK, window.start)


def catching_up_allowed(window: Window, now: datetime) -> bool:
    """A window with a stop is open only until it; one without stops catching up at midnight."""
    if window.end is not None:
        return now < window.end
    return to_ist(now).date() == to_ist(window.start).date()


def status_reason(
    plan: Plan,
    *,
    decision: Decision | None,
    window: Window | None,
    status: Status,
    runtime_reason: str | None,
    now: datetime,
) -> str | None:
    """Why a strategy is where it is, as the dashboard says it (None: nothing to explain).

    ``decision`` is the policy's answer as if the master contract were ready (None when the
    strategy has no schedule): waiting for the contract is read from the supervisor's own reason,
    so a strategy already running is never said to wait for it.
    """
    if status is Status.WAITING and runtime_reason == WAITING_FOR_CONTRACTS:
        return WAITING_FOR_CONTRACTS
    if plan.schedule is None or decision is None:
        return None
    if decision.verdict is Verdict.STOP:
        return decision.reason
    if status in IDLE and next_move(plan, decision, window, status, now).step is not Step.START:
        return _not_restarted(decision)
    if status in IDLE or status is Status.RUNNING:
        # About to start (the window it starts for), or running: inside its window until ...,
        # or held by a manual start until the next scheduled stop.
        return decision.reason
    # Starting, stopping, or waiting for a crash restart: the supervisor's own reason says it.
    return None


def _not_restarted(decision: Decision) -> str:
    """An idle strategy the schedule will not start before its next window."""
    if decision.next_start is None:
        return "not running; no scheduled start ahead"
    return f"not running; next scheduled start {format_ist(decision.next_start)}"
