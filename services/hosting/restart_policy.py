"""The opt-in restart after a crash: exponential backoff, a failure budget, healthy runs forgiven.

An unattended restart of trading code must be the trader's choice, so it applies only to
strategies with ``restart_on_crash`` set. Pure arithmetic: the supervisor supplies the facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    initial_delay_s: float = 1.0
    max_delay_s: float = 60.0
    max_failures: int = 5
    #: A run at least this long was healthy: its crash does not count against the budget.
    healthy_after_s: float = 300.0

    def failures_after_crash(self, failures_so_far: int, run_seconds: float) -> int:
        """The failure count once a run of ``run_seconds`` crashed (0: a healthy run, forgiven)."""
        if run_seconds >= self.healthy_after_s:
            return 0
        return failures_so_far + 1

    def gives_up(self, failures: int) -> bool:
        return failures >= self.max_failures

    def delay(self, failures: int) -> float:
        """Seconds to wait before the restart after ``failures`` failures (1 s, 2 s, 4 s... capped)."""
        exponent = max(0, failures - 1)
        return min(self.max_delay_s, self.initial_delay_s * float(2 ** min(exponent, 30)))
