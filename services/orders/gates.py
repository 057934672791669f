"""What a dispatched order waits for before it is sent: a slot of the order limit, and a loaded
master contract (sandbox venue).

Both waits end early when the dispatcher stops (its ``stopping`` event), so a graceful stop never
waits out a full rate window or contract download: the order stays ``pending`` for the next
start. ``Pacer`` and ``ContractGate`` are the seams; unit tests give fakes on a fake clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from services.market.master_contract import MasterContract, MasterContractState

#: sleep(stopping, seconds) -> True when ``stopping`` was set while sleeping
Sleep = Callable[[threading.Event, float], bool]


def _sleep(stopping: threading.Event, seconds: float) -> bool:
    return stopping.wait(seconds)


class Pacer(Protocol):
    def acquire(self, api_key: str, stopping: threading.Event) -> bool:
        """Block until one order slot of ``api_key`` is taken (True) or ``stopping`` is set
        (False: nothing taken)."""

    def try_acquire(self, api_key: str) -> bool:
        """Take a slot of ``api_key`` only if one is free now (never waits)."""


class Tokens(Protocol):
    """The order limit's counter (``OrderThrottle``)."""

    def take(self, api_key: str) -> float:
        """0.0 when a slot was taken, else the seconds until one frees (nothing taken)."""


class ThrottlePacer:
    """Waits for the order limit instead of failing: a burst becomes orders at the limit's pace.

    The throttle says when its next slot frees; the pacer sleeps that long (at most
    ``max_pause_s`` at a time, so a slot freed early, e.g. a limit shared through Redis, is not
    missed by much) and tries again."""

    def __init__(self, tokens: Tokens, sleep: Sleep = _sleep, max_pause_s: float = 1.0) -> None:
        self._tokens = tokens
        self._sleep = sleep
        self._max_pause_s = max_pause_s

    def acquire(self, api_key: str, stopping: threading.Event) -> bool:
        while not stopping.is_set():
            delay = self._tokens.take(api_key)
            if delay <= 0:
                return True
            if self._sleep(stopping, min(delay, self._max_pause_s)):
                return False
        return False

    def try_acquire(self, api_key: str) -> bool:
        return self._tokens.take(api_key) <= 0


class ContractGate(Protocol):
    def wait_ready(self, timeout_s: float, stopping: threading.Event) -> bool:
        """Block until the venue can take orders (True), ``timeout_s`` passed or ``stopping`` is
        set (False)."""

    def interrupt(self) -> None:
        """Wake every waiter (the dispatcher is stopping)."""

    def is_ready(self) -> bool:
        """Whether the venue can take orders now (never waits)."""


class MasterContractGate:
    """Ready when the sandbox has instruments to trade (what the sandbox itself requires: a
    failed reload keeps the previous list usable); woken by the master contract's changes."""

    def __init__(self, master: MasterContract) -> None:
        self._master = master
        self._changed = threading.Condition()
        master.add_listener(self._on_change)

    def _ready(self) -> bool:
        return len(self._master.index) > 0

    def is_ready(self) -> bool:
        return self._ready()

    def _on_change(self, _state: MasterContractState) -> None:
        self.interrupt()

    def wait_ready(self, timeout_s: float, stopping: threading.Event) -> bool:
        with self._changed:
            self._changed.wait_for(lambda: self._ready() or stopping.is_set(), timeout_s)
        return self._ready() and not stopping.is_set()

    def interrupt(self) -> None:
        with self._changed:
            self._changed.notify_all()
