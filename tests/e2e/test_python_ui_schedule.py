"""The schedule dialog in Chromium: times, days with the Mon–Fri preset, exchange, "ignore holidays";
the dashboard then shows the schedule and the next start; Unschedule removes it.

Uses the schedule contract (``POST /python/schedule/<id>``, ``scheduled``, ``schedule``,
``next_start`` in status entries).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.clocks import SATURDAY, next_weekday_at
from tests.support.live_server import LiveServer
from tests.support.net import free_port
from tests.support.python_ui import SLEEPER, open_ui

NEXT_START = re.compile(r"^(Mon|Tue|Wed|Thu|Fri) \d{2} [A-Z][a-z]{2} 09:15$")


@pytest.fixture
def saturday_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A host whose clock reads a Saturday noon IST: no Mon–Fri window contains it, at any real hour."""
    server = LiveServer(tmp_path / "data", free_port(), clock_at=next_weekday_at(SATURDAY, 12)).start()
    yield server
    server.stop()


def test_set_a_schedule_and_see_the_next_start_then_unschedule(
    page: Any, saturday_server: LiveServer
) -> None:
    ui = open_ui(saturday_server, page)
    strategy_id = ui.upload(SLEEPER, name="Market hours")
    ui.dashboard()
    card = ui.card(strategy_id)
    expect(card.locator("[data-field='schedule']")).to_have_text("Not scheduled")
    card.locator("[data-action='schedule']").click()
    dialog = page.locator("dialog[data-schedule-dialog]")
    expect(dialog).to_be_visible()

    # An invalid time is reported next to its field and changes nothing.
    dialog.get_by_label("Start time (IST)").fill("9.15")
    dialog.get_by_role("button", name="Save schedule").click()
    expect(dialog.locator("[data-error-for='schedule_start']")).not_to_be_empty()
    assert ui.entry(strategy_id).get("scheduled") is False

    dialog.get_by_label("Start time (IST)").fill("09:15")
    dialog.get_by_label("Stop time (IST)").fill("15:30")
    dialog.get_by_role("button", name="Every day").click()
    dialog.get_by_role("button", name="Mon–Fri").click()
    checked = dialog.locator("[name='schedule_days']:checked")
    expect(checked).to_have_count(5)
    dialog.get_by_label("Exchange (its calendar decides holidays)").select_option("NSE")
    dialog.get_by_role("button", name="Save schedule").click()
    expect(dialog.locator("[data-error-for='schedule_start']")).to_be_empty()
    expect(dialog.locator("[data-next-start]")).to_have_text(re.compile(r"09:15 IST$"))
    ui.screenshot("python-ui-schedule-dialog")
    dialog.get_by_role("button", name="Close").click()

    expect(card.locator("[data-field='badge']")).to_have_text("scheduled")
    expect(card.locator("[data-field='next_start']")).to_have_text(NEXT_START)
    expect(card.locator("[data-field='schedule']")).to_contain_text("09:15")
    entry = ui.entry(strategy_id)
    assert entry["scheduled"] is True and entry["next_start"]
    ui.screenshot("python-ui-dashboard-scheduled")

    card.locator("[data-action='schedule']").click()
    expect(dialog.get_by_label("Start time (IST)")).to_have_value("09:15")
    dialog.get_by_role("button", name="Unschedule").click()
    expect(dialog.locator("[data-schedule-summary]")).to_have_text("Not scheduled")
    dialog.get_by_role("button", name="Close").click()
    expect(card.locator("[data-field='schedule']")).to_have_text("Not scheduled")
    expect(card.locator("[data-field='next_start_wrap']")).to_be_hidden()
    assert ui.entry(strategy_id)["scheduled"] is False
    ui.assert_no_problems()


def test_the_dialog_shows_field_errors_and_the_next_start_the_server_answers(
    page: Any, live_server: LiveServer
) -> None:
    """The dialog alone, with the schedule endpoint answered by the test as the contract says."""
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Dialog only")
    sent: list[Any] = []

    def answer(route: Any) -> None:
        body = route.request.post_data_json
        sent.append(body)
        if body["schedule_start"] != "09:15":
            route.fulfill(
                status=400,
                json={
                    "success": False,
                    "message": "The schedule is not valid.",
                    "data": {"fields": {"schedule_start": "Use HH:MM, 24-hour (for example 09:15)."}},
                },
            )
            return
        route.fulfill(
            json={
                "success": True,
                "message": "Schedule saved.",
                "data": {
                    "summary": "09:15–15:30 IST, Mon–Fri",
                    "next_start": "2026-11-23T09:15:00+05:30",
                    "next_stop": "2026-11-23T15:30:00+05:30",
                },
            }
        )

    def status_with_schedule(route: Any) -> None:
        # The page reads the strategy's entry after a save: show it as the server then would.
        response = route.fetch()
        body = response.json()
        for entry in body["data"]["strategies"]:
            if entry["id"] == strategy_id and sent and sent[-1]["schedule_start"] == "09:15":
                entry.update(
                    scheduled=True,
                    schedule={
                        "start": "09:15",
                        "stop": None,
                        "days": ["mon"],
                        "exchange": "NSE",
                        "ignore_holidays": True,
                        "summary": "09:15–15:30 IST, Mon–Fri",
                    },
                    next_start="2026-11-23T09:15:00+05:30",
                    next_stop="2026-11-23T15:30:00+05:30",
                )
        route.fulfill(response=response, json=body)

    page.route(f"**/python/schedule/{strategy_id}", answer)
    page.route("**/python/status", status_with_schedule)
    ui.dashboard()
    ui.card(strategy_id).locator("[data-action='schedule']").click()
    dialog = page.locator("dialog[data-schedule-dialog]")
    # A strategy without a schedule starts from its exchange's session on Mon–Fri.
    expect(dialog.get_by_label("Start time (IST)")).to_have_value("09:15")
    expect(dialog.get_by_label("Stop time (IST)")).to_have_value("15:30")
    expect(dialog.locator("[name='schedule_days']:checked")).to_have_count(5)
    expect(dialog.get_by_role("button", name="Unschedule")).to_be_disabled()

    dialog.get_by_label("Start time (IST)").fill("25:00")
    dialog.get_by_role("button", name="Save schedule").click()
    start_error = dialog.locator("[data-error-for='schedule_start']")
    expect(start_error).to_have_text("Use HH:MM, 24-hour (for example 09:15).")
    expect(dialog.get_by_label("Start time (IST)")).to_have_attribute("aria-invalid", "true")

    dialog.get_by_label("Start time (IST)").fill("09:15")
    dialog.get_by_label("Stop time (IST)").fill("")
    dialog.get_by_label("Ignore exchange holidays (run on every listed day)").check()
    dialog.get_by_label("Sat").check()
    dialog.get_by_role("button", name="Save schedule").click()
    expect(dialog.locator("[data-next-start]")).to_have_text("Mon 23 Nov 09:15 IST")
    expect(dialog.locator("[data-next-stop]")).to_have_text("Mon 23 Nov 15:30 IST")
    expect(dialog.locator("[data-schedule-summary]")).to_have_text("09:15–15:30 IST, Mon–Fri")
    expect(dialog.locator("[data-error-for='schedule_start']")).to_be_empty()
    assert sent[-1] == {
        "schedule_start": "09:15",
        "schedule_stop": None,
        "schedule_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "exchange": "NSE",
        "ignore_holidays": True,
    }
    ui.screenshot("python-ui-schedule-dialog-contract")
    ui.assert_no_problems()
