"""How an execution ended, in words: the child's own report when it gave a readable one, else a
clear reason from how its process ended (run by the zygote; pure, so unit tests check it).
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass
from typing import Any

from services.execution.outcome import failure

STATUSES = ("succeeded", "failed", "timed_out")
_DESCRIBED: dict[int, str] = {
    signal.SIGSEGV: "a segmentation fault (SIGSEGV)",
    signal.SIGBUS: "a bus error (SIGBUS)",
    signal.SIGFPE: "a floating-point exception (SIGFPE)",
    signal.SIGILL: "an illegal instruction (SIGILL)",
    signal.SIGABRT: "an abort (SIGABRT)",
    signal.SIGKILL: "SIGKILL (the system may have run out of memory)",
}


@dataclass(frozen=True)
class Exit:
    """How the child process ended, and the limits it ran under."""

    code: int | None
    signal: int | None
    timeout_s: float
    memory_mb: int


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _from_exit(exit_: Exit) -> dict[str, str]:
    if exit_.signal == signal.SIGXCPU:
        return failure("CpuLimit", f"CPU time limit of {exit_.timeout_s:g} s exceeded")
    if exit_.signal is not None:
        what = _DESCRIBED.get(exit_.signal, _signal_name(exit_.signal))
        return failure("Crashed", f"the strategy process was killed by {what} before returning a result")
    if exit_.code not in (None, 0):
        return failure(
            "Exited", f"the strategy process exited with code {exit_.code} before returning a result"
        )
    return failure("Exited", "the strategy process ended without returning a result")


def _parse(result: bytes) -> dict[str, Any] | None:
    """The child's report, or None when it is missing or unreadable."""
    if not result:
        return None
    try:
        report = json.loads(result)
    except ValueError:
        return None
    if not isinstance(report, dict) or report.get("status") not in STATUSES:
        return None
    return report


def verdict(result: bytes, exit_: Exit, forced: tuple[str, str, str] | None) -> dict[str, Any]:
    """``{status, signals, error, info, maxrss_kb}`` of one finished execution.

    ``forced``: (status, error type, message) when the zygote ended it (deadline, memory, result
    size); that wins over anything the child wrote before it was killed.
    """
    if forced is not None:
        status, kind, message = forced
        return {"status": status, "signals": [], "error": failure(kind, message), "info": {}}
    report = _parse(result)
    if report is None:
        if result:
            error = failure("BadResult", "the strategy process sent an unreadable result")
        else:
            error = _from_exit(exit_)
        return {"status": "failed", "signals": [], "error": error, "info": {}}
    signals = report.get("signals") or []
    reported = report.get("error")
    status = report["status"]
    if status == "succeeded" and (not isinstance(signals, list) or reported is not None):
        status, signals = "failed", []
        reported = failure("BadResult", "the strategy process sent an unreadable result")
    return {
        "status": status,
        "signals": signals if status == "succeeded" else [],
        "error": reported if status != "succeeded" else None,
        "info": report.get("info") or {},
        "maxrss_kb": report.get("maxrss_kb", 0),
    }
