"""The ``/python`` live streams: strategy status events and a strategy's log, as SSE text.

Each stream is a plain iterator of SSE text (no web framework here), bounded by the host's one
stream budget and timing (``services.live.streams``): a heartbeat every ``heartbeat_s``, an end
after ``max_lifetime_s``, resumable from ``Last-Event-ID``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from services.clock import Clock
from services.hosting.catalog import Strategies
from services.hosting.log_reader import LogReader
from services.hosting.supervisor import Supervisor
from services.live.events import ChangeNotifier, Event, EventBus
from services.live.streams import HEARTBEAT, RETRY, LiveStream, LiveStreams, StreamConfig, sse


class StrategyStreams:
    """The ``/python`` live streams, each in a slot of the host's one stream budget."""

    def __init__(
        self,
        *,
        strategies: Strategies,
        supervisor: Supervisor,
        events: EventBus,
        log_changes: ChangeNotifier,
        live: LiveStreams,
        clock: Clock,
    ) -> None:
        self._strategies = strategies
        self._supervisor = supervisor
        self._events = events
        self._log_changes = log_changes
        self._live = live
        self._clock = clock

    def status(self, last_event_id: int | None) -> LiveStream:
        """Status events of every strategy (a snapshot first when starting afresh)."""
        return self._live.open(
            lambda config: status_events(
                self._events, self._supervisor.status, last_event_id, config=config, clock=self._clock
            )
        )

    def log(self, strategy_id: str, position: tuple[str | None, int | None]) -> LiveStream:
        """New lines of one strategy's log from ``position`` (404 for an unknown strategy)."""
        self._strategies.get(strategy_id)
        reader = self._strategies.reader
        return self._live.open(
            lambda config: log_lines(
                reader, self._log_changes, strategy_id, position, config=config, clock=self._clock
            )
        )


def _event_payload(event: Event) -> dict[str, Any]:
    return {"kind": event.kind, "id": event.strategy_id, "strategy": dict(event.data)}


def status_events(
    bus: EventBus,
    snapshot: Callable[[], dict[str, Any]],
    last_event_id: int | None,
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    """``status`` events after ``last_event_id``; a full ``snapshot`` first when starting afresh.

    The starting point is fixed when the stream is created (not when it is first read), so
    nothing that happens in between is lost.
    """
    seq = bus.last_seq if last_event_id is None else last_event_id
    return _status_frames(bus, snapshot, seq, fresh=last_event_id is None, config=config, clock=clock)


def _status_frames(
    bus: EventBus,
    snapshot: Callable[[], dict[str, Any]],
    seq: int,
    *,
    fresh: bool,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    yield RETRY
    if fresh:
        yield sse(snapshot(), "snapshot", str(seq))
    deadline = clock.monotonic() + config.max_lifetime_s
    while not bus.closed and (remaining := deadline - clock.monotonic()) > 0:
        batch = bus.wait_after(seq, min(config.heartbeat_s, remaining))
        if batch.gap:
            # Missed events (or a position from before a host restart): send everything anew.
            seq = batch.last_seq
            yield sse(snapshot(), "snapshot", str(seq))
            continue
        if not batch.events:
            yield HEARTBEAT
            continue
        for event in batch.events:
            seq = event.seq
            # One SSE event name for every change; ``kind`` says which (started, crashed, ...).
            yield sse(_event_payload(event), "status", str(event.seq))


def log_lines(
    reader: LogReader,
    notifier: ChangeNotifier,
    strategy_id: str,
    position: tuple[str | None, int | None],
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    """New lines of a strategy's log from ``position`` (default: the end, fixed now)."""
    file, offset = position
    if offset is None:
        end_file, end_offset = reader.end_position(strategy_id)
        file, offset = (end_file, end_offset) if file is None or file == end_file else (file, 0)
    return _log_frames(reader, notifier, strategy_id, (file, offset), config=config, clock=clock)


def _log_frames(
    reader: LogReader,
    notifier: ChangeNotifier,
    strategy_id: str,
    position: tuple[str | None, int],
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    yield RETRY
    file, offset = position
    deadline = clock.monotonic() + config.max_lifetime_s
    while not notifier.closed and (remaining := deadline - clock.monotonic()) > 0:
        seen = notifier.version(strategy_id)
        chunk = reader.read_from(strategy_id, file, offset)
        moved = chunk.file != file
        file, offset = chunk.file, chunk.offset
        if chunk.lines or chunk.reset or (moved and file is not None):
            payload = {
                "lines": chunk.lines,
                "file": chunk.file,
                "offset": chunk.offset,
                "run": chunk.run,
                "reset": chunk.reset,
            }
            yield sse(payload, "lines", f"{chunk.file}:{chunk.offset}")
            if chunk.lines:
                continue  # there may be more right away
        if notifier.wait(strategy_id, seen, min(config.heartbeat_s, remaining)) == seen:
            yield HEARTBEAT
