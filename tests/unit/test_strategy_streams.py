"""Live streams: the event bus, Server-Sent Event framing, resume, heartbeats and the stream cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.errors import InvalidInput, RateLimited
from services.hosting.log_query import parse_log_position
from services.hosting.log_reader import LogReader
from services.hosting.logs import STDOUT, StrategyLogs
from services.hosting.streams import log_lines, status_events
from services.live.events import ChangeNotifier, EventBus
from services.live.streams import StreamConfig, StreamSlots, parse_event_id
from tests.support.strategies import FakeClock

# Heartbeat 0: waits return at once. The stepping clock makes each stream end after a few turns.
CONFIG = StreamConfig(heartbeat_s=0.0, max_lifetime_s=3.0)


class SteppingClock(FakeClock):
    def monotonic(self) -> float:
        self.advance(1.0)
        return super().monotonic()


def parse(frames: list[str]) -> list[tuple[str | None, str | None, object]]:
    """(event name, id, data) of each event frame; heartbeats and retry lines are skipped."""
    events = []
    for frame in frames:
        fields = dict(line.split(": ", 1) for line in frame.strip().splitlines() if not line.startswith(":"))
        if "data" in fields:
            events.append((fields.get("event"), fields.get("id"), json.loads(fields["data"])))
    return events


def test_the_bus_numbers_events_and_reports_gaps() -> None:
    bus = EventBus(capacity=3)
    for index in range(5):
        bus.publish("started", f"s{index}", {"n": index})
    batch = bus.after(3)
    assert [event.seq for event in batch.events] == [4, 5]
    assert not batch.gap
    assert bus.after(1).gap  # events 2 was dropped from the ring
    assert bus.after(99).gap  # a position from another host run
    assert bus.wait_after(5, timeout=0).events == []


def test_a_fresh_status_stream_starts_with_a_snapshot_then_events() -> None:
    bus = EventBus()
    bus.publish("started", "old")
    frames = status_events(bus, lambda: {"strategies": []}, None, config=CONFIG, clock=SteppingClock())
    assert next(frames).startswith("retry: ")
    name, event_id, data = parse([next(frames)])[0]
    assert (name, event_id, data) == ("snapshot", "1", {"strategies": []})
    bus.publish("crashed", "ema", {"status": "error"})
    name, event_id, data = parse([next(frames)])[0]
    assert (name, event_id) == ("status", "2")
    assert data == {"kind": "crashed", "id": "ema", "strategy": {"status": "error"}}
    rest = list(frames)
    assert rest and all(frame == ": heartbeat\n\n" for frame in rest)  # then heartbeats until it ends


def test_a_resumed_status_stream_replays_what_was_missed() -> None:
    bus = EventBus()
    for kind in ("starting", "started", "stopping", "stopped"):
        bus.publish(kind, "ema")
    frames = list(status_events(bus, lambda: {"all": True}, 2, config=CONFIG, clock=SteppingClock()))
    assert [(name, event_id) for name, event_id, _ in parse(frames)] == [("status", "3"), ("status", "4")]
    after_restart = list(status_events(bus, lambda: {"all": True}, 999, config=CONFIG, clock=SteppingClock()))
    assert parse(after_restart)[0] == ("snapshot", "4", {"all": True})


def test_the_log_stream_sends_new_lines_with_a_resumable_id(tmp_path: Path) -> None:
    clock = SteppingClock()
    notifier = ChangeNotifier()
    logs = StrategyLogs(tmp_path, 100_000, 5, clock, on_change=notifier.bump)
    reader = LogReader(tmp_path)
    run = logs.begin_run("ema")
    run.write(STDOUT, ["before"])
    frames = log_lines(reader, notifier, "ema", (None, None), config=CONFIG, clock=clock)
    next(frames)  # retry
    run.write(STDOUT, ["after 1", "after 2"])
    name, event_id, data = parse([next(frames)])[0]
    assert name == "lines"
    assert isinstance(data, dict)
    assert [line.split("] ", 1)[1] for line in data["lines"]] == ["after 1", "after 2"]  # not "before"
    assert event_id == f"{run.current_file}:{data['offset']}"
    resumed = log_lines(
        reader, notifier, "ema", parse_log_position(None, None, event_id), config=CONFIG, clock=clock
    )
    run.write(STDOUT, ["after 3"])
    events = parse(list(resumed))
    assert [line.split("] ", 1)[1] for _, _, payload in events for line in payload["lines"]] == ["after 3"]  # type: ignore[index]


def test_log_positions_are_validated() -> None:
    assert parse_log_position("120", "20261123-091500.log", None) == ("20261123-091500.log", 120)
    assert parse_log_position(None, None, "20261123-091500.p2.log:77") == ("20261123-091500.p2.log", 77)
    assert parse_log_position(None, None, None) == (None, None)
    with pytest.raises(InvalidInput):
        parse_log_position("-1", None, None)
    with pytest.raises(InvalidInput):
        parse_log_position("5", "../../keys/.encryption_key", None)
    with pytest.raises(InvalidInput):
        parse_log_position(None, None, "../app.log:5")
    assert parse_event_id("12") == 12
    assert parse_event_id("junk") is None


def test_the_number_of_open_streams_is_capped() -> None:
    slots = StreamSlots(limit=2)
    first, second = slots.acquire(), slots.acquire()
    with pytest.raises(RateLimited):
        slots.acquire()
    first.release()
    first.release()  # releasing twice frees one place only
    third = slots.acquire()
    assert slots.open == 2
    second.release()
    third.release()
    assert slots.open == 0
