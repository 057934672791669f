"""Which strategies this host supervises, when several hosts share one database.

Each strategy is supervised by exactly one running host: the holder of its lease (``python:<id>``
in ``services.leases``). The supervisor acts only on the strategies it owns; the others show
which host has them. Leases are renewed and free ones claimed every third of the lease period; a
strategy whose lease was lost (this host stalled for longer than the lease and another host took
over) is stopped here at once, so there are never two processes for one strategy.
Without leases (unit tests) this host owns everything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from services.clock import Clock
from services.leases import Leases

log = logging.getLogger(__name__)

PREFIX = "python:"


def _key(strategy_id: str) -> str:
    return PREFIX + strategy_id


class Ownership:
    def __init__(self, leases: Leases | None, clock: Clock) -> None:
        self._leases = leases
        self._clock = clock
        self._owned: set[str] = set()
        self._others: dict[str, str] = {}
        self._next_check = 0.0

    @property
    def host_id(self) -> str | None:
        return None if self._leases is None else self._leases.identity.id

    def owns(self, strategy_id: str) -> bool:
        return self._leases is None or strategy_id in self._owned

    def holder(self, strategy_id: str) -> str | None:
        """The other host that supervises ``strategy_id`` (None: this one, or nobody yet)."""
        return None if self.owns(strategy_id) else self._others.get(strategy_id)

    def claim(self, strategy_ids: Iterable[str]) -> set[str]:
        """Take what is free (or ours, or held by a dead host); returns the ids newly owned."""
        wanted = [sid for sid in strategy_ids if sid not in self._owned]
        if self._leases is None or not wanted:
            return set()
        held = {key.removeprefix(PREFIX) for key in self._leases.claim(_key(sid) for sid in wanted)}
        self._owned |= held
        for sid in wanted:
            if sid in held:
                self._others.pop(sid, None)
            else:
                self._others[sid] = self._leases.holder_of(_key(sid)) or "another host"
        return held

    def maintain(self, strategy_ids: Iterable[str]) -> tuple[set[str], set[str]]:
        """Every third of the lease: renew, notice what was lost, claim what became free.
        Returns (newly owned, lost)."""
        if self._leases is None:
            return set(), set()
        now = self._clock.monotonic()
        if now < self._next_check:
            return set(), set()
        self._next_check = now + self._leases.lease_s / 3
        self._leases.renew()
        still = {key.removeprefix(PREFIX) for key in self._leases.held([_key(sid) for sid in self._owned])}
        lost = self._owned - still
        if lost:
            log.error("Leases lost to another host (this host stalled?): %s", sorted(lost))
        self._owned = still
        return self.claim(strategy_ids), lost

    def release_all(self) -> None:
        """A graceful stop: the next host (or the next start of this one) takes over at once."""
        if self._leases is not None and self._owned:
            self._leases.release(_key(sid) for sid in self._owned)
        self._owned.clear()

    def forget(self, strategy_id: str) -> None:
        self._owned.discard(strategy_id)
        self._others.pop(strategy_id, None)
        if self._leases is not None:
            self._leases.forget(_key(strategy_id))
