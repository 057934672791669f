"""The status machine of a hosted strategy: its statuses and the legal moves between them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from services.errors import Conflict


class Status(StrEnum):
    """What a strategy is doing right now, as ``/python/status`` reports it."""

    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    WAITING = "waiting"
    ERROR = "error"


#: Statuses in which a process exists (or is being created): edits are refused in these.
ACTIVE = frozenset({Status.STARTING, Status.RUNNING, Status.STOPPING})

_S = Status
TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        # stopped: a start spawns, or waits for its gate (schedule, master contract).
        _S.STOPPED: frozenset({_S.STARTING, _S.WAITING, _S.ERROR}),
        # waiting: the gate cleared or the backoff elapsed (start), the trader stopped it, or the
        # start could not even be attempted (error: e.g. an unreadable secret).
        _S.WAITING: frozenset({_S.STARTING, _S.WAITING, _S.STOPPED, _S.ERROR}),
        # starting: the spawn succeeded or failed, or the trader stopped it before the spawn.
        _S.STARTING: frozenset({_S.RUNNING, _S.ERROR, _S.STOPPED}),
        # running: stop requested, ended by itself, crashed, or crashed with a restart pending.
        _S.RUNNING: frozenset({_S.STOPPING, _S.STOPPED, _S.ERROR, _S.WAITING}),
        # stopping: ended (stopped), or stopped for a fault such as the memory limit (error).
        _S.STOPPING: frozenset({_S.STOPPED, _S.ERROR}),
        # error: cleared, started again, or waiting for its gate.
        _S.ERROR: frozenset({_S.STOPPED, _S.STARTING, _S.WAITING, _S.ERROR}),
    }
)


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def check_move(current: Status, target: Status) -> Status:
    """``target`` if the move is legal; a Conflict naming both statuses otherwise."""
    if not can_move(current, target):
        raise Conflict(f"A {current.value} strategy cannot become {target.value}.")
    return target
