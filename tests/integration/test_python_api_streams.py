"""Live streams of the /python API: log lines and status events over Server-Sent Events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.apps import build_app, host_of
from tests.support.strategies import start, stop, upload_ok, wait_log, wait_status

TICKER = "import itertools, time\nfor n in itertools.count():\n    print('tick', n)\n    time.sleep(0.05)\n"


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(
        data_dir,
        start_background=True,
        strategy_stop_grace_s=0.5,
        strategy_tick_s=0.2,
        stream_heartbeat_s=0.2,
        stream_max_lifetime_s=20.0,
        stream_max_concurrent=2,
    )
    yield application
    host_of(application).shutdown()


class Frames:
    """Reads Server-Sent Events from a streaming test response."""

    def __init__(self, response: TestResponse) -> None:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/event-stream"
        self.response = response
        self._chunks = response.iter_encoded()
        self._buffer = ""
        self.heartbeats = 0

    def next_event(self, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while "\n\n" not in self._buffer:
                self._buffer += next(self._chunks).decode("utf-8")
            frame, self._buffer = self._buffer.split("\n\n", 1)
            if frame.startswith(":"):
                self.heartbeats += 1
                continue
            fields = dict(line.split(": ", 1) for line in frame.splitlines())
            if "data" in fields:
                return {
                    "event": fields.get("event"),
                    "id": fields.get("id"),
                    "data": json.loads(fields["data"]),
                }
        raise AssertionError("no event arrived in time")

    def until(self, predicate: Any, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self.next_event(deadline - time.monotonic())
            if predicate(event):
                return event
        raise AssertionError("the expected event did not arrive")

    def close(self) -> None:
        self.response.close()


def open_stream(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> Frames:
    return Frames(client.get(url, buffered=False, headers=headers or {}))


def _texts(event: dict[str, Any]) -> list[str]:
    return [line.split("] ", 1)[1] for line in event["data"]["lines"]]


def test_the_log_stream_delivers_new_lines_and_resumes_from_last_event_id(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, TICKER)
    start(admin_client, strategy_id)
    wait_log(admin_client, strategy_id, "] tick 2")
    stream = open_stream(admin_client, f"/python/logs/{strategy_id}/stream")
    first = stream.until(lambda e: e["event"] == "lines" and e["data"]["lines"])
    numbers = [int(text.split()[1]) for text in _texts(first)]
    assert numbers[0] >= 2  # the stream starts at the end, not with old lines
    stream.close()

    resumed = open_stream(admin_client, f"/python/logs/{strategy_id}/stream", {"Last-Event-ID": first["id"]})
    following = resumed.until(lambda e: e["event"] == "lines" and e["data"]["lines"])
    assert int(_texts(following)[0].split()[1]) == numbers[-1] + 1  # nothing lost, nothing repeated
    resumed.close()
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_the_log_stream_resumes_from_an_offset_given_by_tail(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, TICKER)
    start(admin_client, strategy_id)
    wait_log(admin_client, strategy_id, "] tick 1")
    tail = admin_client.get(f"/python/logs/{strategy_id}/tail?lines=5").get_json()["data"]
    last = int(tail["lines"][-1].rsplit(" ", 1)[1])
    stream = open_stream(
        admin_client, f"/python/logs/{strategy_id}/stream?offset={tail['offset']}&file={tail['file']}"
    )
    event = stream.until(lambda e: e["event"] == "lines" and e["data"]["lines"])
    assert int(_texts(event)[0].split()[1]) == last + 1
    stream.close()
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_status_events_follow_every_transition(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "import sys\nsys.exit(4)\n")
    stream = open_stream(admin_client, "/python/events")
    snapshot = stream.next_event()
    assert snapshot["event"] == "snapshot"
    assert [s["id"] for s in snapshot["data"]["strategies"]] == [strategy_id]
    start(admin_client, strategy_id)
    kinds = []
    while "crashed" not in kinds:
        event = stream.until(lambda e: e["event"] == "status")
        assert event["data"]["id"] == strategy_id
        kinds.append(event["data"]["kind"])
    assert kinds == ["starting", "started", "crashed"]
    assert event["data"]["strategy"]["status"] == "error"
    assert event["data"]["strategy"]["exit_code"] == 4
    last_id = event["id"]
    stream.close()

    upload_ok(admin_client, "print(1)\n", name="Second")
    resumed = open_stream(admin_client, "/python/events", {"Last-Event-ID": last_id})
    created = resumed.next_event()
    assert (created["event"], created["data"]["kind"]) == ("status", "created")
    assert int(created["id"]) == int(last_id) + 1
    resumed.close()


def test_streams_send_heartbeats_and_are_capped(app: Flask, admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print(1)\n")
    first = open_stream(admin_client, "/python/events")
    second = open_stream(admin_client, f"/python/logs/{strategy_id}/stream")
    first.next_event()
    third = admin_client.get("/python/events", buffered=False)
    assert third.status_code == 429
    assert third.get_json()["success"] is False
    second.close()
    fourth = open_stream(admin_client, "/python/events")
    assert fourth.next_event()["event"] == "snapshot"
    with pytest.raises(AssertionError):
        first.next_event(timeout=0.7)  # nothing happens: only heartbeats arrive
    assert first.heartbeats >= 2
    first.close()
    fourth.close()
    assert host_of(app).live.slots.open == 0


def test_bad_stream_positions_are_refused(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print(1)\n")
    assert admin_client.get(f"/python/logs/{strategy_id}/stream?offset=-5").status_code == 400
    assert (
        admin_client.get(f"/python/logs/{strategy_id}/stream?offset=1&file=../../app.log").status_code == 400
    )
    assert admin_client.get("/python/logs/unknown-1/stream").status_code == 404
