"""CPU and memory samples of running strategies, taken by the reconcile loop, never by requests.

``/python/status`` serves the cached figures, so it stays fast with hundreds of strategies. A
strategy over its resident-memory ceiling (its whole process tree) is reported to the caller,
which stops it.
"""

from __future__ import annotations

from collections.abc import Callable

from services.hosting.launcher import Launcher
from services.hosting.slots import Slot

MB = 1_048_576

#: ``over_limit(slot, used_bytes, limit_mb)``, called with the slot's lock held.
OverLimit = Callable[[Slot, int, int], None]


def sample_running(
    slots: list[Slot], launcher: Launcher, over_limit: OverLimit, *, limited_only: bool = False
) -> list[Slot]:
    """Refresh the samples of running slots (only those with a memory limit when ``limited_only``:
    the frequent memory check); returns the slots it changed (for their events)."""
    running = [
        slot
        for slot in slots
        if slot.process is not None and (slot.record.memory_limit_mb or not limited_only)
    ]
    if not running:
        return []
    with_tree = frozenset(
        slot.process.pid for slot in running if slot.process and slot.record.memory_limit_mb
    )
    samples = launcher.sample([slot.process for slot in running if slot.process], with_tree)
    touched = []
    for slot in running:
        if not slot.lock.acquire(blocking=False):
            continue  # busy: its figures refresh on the next sample
        try:
            process = slot.process
            sample = samples.get(process.pid) if process is not None else None
            slot.set_sample(sample)
            limit = slot.record.memory_limit_mb
            used = sample.tree_rss_bytes if sample is not None else None
            if limit and used is not None and used > limit * MB:
                over_limit(slot, used, limit)
        finally:
            slot.lock.release()
        touched.append(slot)
    return touched
