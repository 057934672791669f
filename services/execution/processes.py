"""What the zygote reads from /proc about its children, and how it kills what they leave behind.

Standard library only (it runs in the zygote). ``snapshot`` reads every process's parent, group,
resident memory and start time in one pass; ``others`` finds, for each run, the processes that
belong to it: its process group, and its descendants in any group (a ``setsid`` does not take a
process out of the count, nor out of the kill). A kill of a process seen earlier first checks its
start time, so a reused pid is never hit.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Seen:
    ppid: int
    pgrp: int
    rss: int  # bytes
    started: int  # clock ticks after boot: with the pid, names the process


def stat(pid: int) -> Seen | None:
    """``pid`` from /proc/<pid>/stat, or None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return parse_stat(data)


def parse_stat(data: bytes) -> Seen | None:
    fields = data[data.rfind(b")") + 2 :].split()  # the name may hold spaces and parentheses
    try:
        return Seen(int(fields[1]), int(fields[2]), int(fields[21]) * PAGE, int(fields[19]))
    except (IndexError, ValueError):
        return None


def resident(pid: int) -> int:
    """Resident bytes of ``pid`` (/proc/<pid>/statm: cheap enough for every ~100 ms)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_bytes().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def snapshot() -> dict[int, Seen]:
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            seen = stat(int(entry.name))
            if seen is not None:
                table[int(entry.name)] = seen
    return table


def children_of(table: Mapping[int, Seen]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, seen in table.items():
        children.setdefault(seen.ppid, []).append(pid)
    return children


def others(table: Mapping[int, Seen], leaders: Iterable[int]) -> dict[int, set[int]]:
    """For each run's leader pid: the other processes of its group and all its descendants."""
    children = children_of(table)
    found = {}
    for leader in leaders:
        members = {pid for pid, seen in table.items() if seen.pgrp == leader}
        stack = [leader]
        while stack:
            for pid in children.get(stack.pop(), ()):  # one snapshot's tree has no cycle
                members.add(pid)
                stack.append(pid)
        members.discard(leader)
        found[leader] = members
    return found


def kill_group(leader: int, seen: Mapping[int, int]) -> None:
    """SIGKILL the group of ``leader`` and each process of ``seen`` (pid -> start time)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signal.SIGKILL)
    for pid, started in seen.items():
        kill_seen(pid, started)


def kill_seen(pid: int, started: int) -> None:
    """SIGKILL ``pid`` if it is still the process seen (same start time: the pid was not reused)."""
    now = stat(pid)
    if now is not None and now.started == started:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
