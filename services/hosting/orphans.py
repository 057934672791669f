"""Processes a strategy left behind that escaped both its process group and its run token.

A strategy's own process is a child subreaper (``services/confinement.py``), so while it lives a
double-forking daemon stays in its tree, where the stop sweep finds it. When the strategy's
process exits by itself, such orphans go to the next subreaper up: the served host makes itself
one (``python app.py``; never a host inside a test runner, whose other children are not ours), so
they become the host's children. The host's only children are then strategy processes, so any
other child is an orphan of a finished run: ``sweep`` kills them (the run's footer counts them)
and ``reap`` collects those that ended by themselves, so no zombie piles up.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from collections.abc import Set

import psutil

log = logging.getLogger(__name__)

_PR_SET_CHILD_SUBREAPER = 36


class Orphans:
    def __init__(self) -> None:
        self.enabled = False

    def become_subreaper(self) -> bool:
        """Make this process the subreaper of everything it starts (Linux). True when it is."""
        if not sys.platform.startswith("linux"):
            return False
        libc = ctypes.CDLL(None, use_errno=True)
        self.enabled = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        if self.enabled:
            log.info("The host is the subreaper of its strategies: their orphans are swept at stop")
        return self.enabled

    def sweep(self, strategy_pids: Set[int]) -> int:
        """Kill every child of the host that is not a strategy process; returns how many."""
        if not self.enabled:
            return 0
        return self._sweep(strategy_pids)

    def _sweep(self, strategy_pids: Set[int]) -> int:  # pragma: no cover - served host only
        killed = 0
        for child in self._children():
            if child.pid in strategy_pids:
                continue
            with contextlib.suppress(psutil.Error):
                if child.status() != psutil.STATUS_ZOMBIE:
                    child.kill()
                    killed += 1
                child.wait(timeout=5)  # reaps it: it is our child now
        return killed

    def reap(self, strategy_pids: Set[int]) -> None:
        """Collect orphans that ended by themselves (a child of ours stays a zombie until then)."""
        if not self.enabled:
            return
        for child in self._children():
            if child.pid not in strategy_pids:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(child.pid, os.WNOHANG)

    @staticmethod
    def _children() -> list[psutil.Process]:
        try:
            return psutil.Process().children()
        except psutil.Error:
            return []
