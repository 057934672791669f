"""Live streams end when the host begins to shut down instead of holding a server thread."""

from __future__ import annotations

import threading
from pathlib import Path

from services.clock import SystemClock
from services.hosting.log_reader import LogReader
from services.hosting.streams import log_lines, status_events
from services.live.events import ChangeNotifier, EventBus
from services.live.streams import StreamConfig

# Long enough that only the shutdown can end a stream within the test's join.
LONG = StreamConfig(heartbeat_s=60.0, max_lifetime_s=600.0)


def _drain_in_thread(frames: object) -> threading.Thread:
    thread = threading.Thread(target=lambda: list(frames), daemon=True)  # type: ignore[call-overload]
    thread.start()
    return thread


def test_a_status_stream_ends_when_the_bus_closes() -> None:
    bus = EventBus()
    thread = _drain_in_thread(status_events(bus, dict, None, config=LONG, clock=SystemClock()))
    thread.join(0.2)
    assert thread.is_alive()  # waiting for events
    bus.close()
    thread.join(5.0)
    assert not thread.is_alive()


def test_a_log_stream_ends_when_the_notifier_closes(tmp_path: Path) -> None:
    notifier = ChangeNotifier()
    frames = log_lines(LogReader(tmp_path), notifier, "s1", (None, None), config=LONG, clock=SystemClock())
    thread = _drain_in_thread(frames)
    thread.join(0.2)
    assert thread.is_alive()
    notifier.close()
    thread.join(5.0)
    assert not thread.is_alive()
