"""The shape every feature's builder returns, so ``Host`` wires each one the same way.

A feature is built once by ``Host`` (``build_venue``, ``build_orders``, ``build_strategy_hosting``,
``build_scheduling``...) and hands back an object with a ``lifecycle``: the background services to
start with the host (in order; stopped in reverse), what to call first when a shutdown begins
(end live streams, refuse new work) and what to call last (close clients and files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class BackgroundService(Protocol):
    """Something with threads or processes that runs while the host serves."""

    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Lifecycle:
    background: tuple[BackgroundService, ...] = ()
    #: called first when shutdown begins, before background work stops
    closing: tuple[Callable[[], None], ...] = ()
    #: called last, after background work has stopped
    closers: tuple[Callable[[], None], ...] = ()


class Feature(Protocol):
    """What a feature builder returns: its own services, plus how the host runs and stops them."""

    @property
    def lifecycle(self) -> Lifecycle: ...
