"""The /python dashboard in Chromium: live statuses, buttons enabled only when allowed, confirmations,
a crash shown without a reload, Stop all, delete, the empty state, server rendering and phones."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.support.browser import screenshot_path
from tests.support.live_server import LiveServer
from tests.support.python_ui import CRASHER, SLEEPER, TICKER, open_ui


def test_start_see_live_output_stop_with_confirmation_and_delete(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(TICKER, name="Ticker <b>NIFTY</b>", file_name="ticker.py")
    ui.dashboard()
    same_document = ui.no_reload_marker()
    card = ui.card(strategy_id)
    badge = card.locator("[data-field='badge']")
    # The name is text, never markup.
    expect(card.get_by_role("heading")).to_have_text("Ticker <b>NIFTY</b>")
    expect(badge).to_have_text("stopped")
    expect(card.locator("[data-action='stop']")).to_be_disabled()
    expect(card.locator("[data-action='delete']")).to_be_enabled()

    card.locator("[data-action='start']").click()
    expect(badge).to_have_text("running")
    expect(card.locator("[data-field='pid']")).to_have_text(re.compile(r"^\d+$"))
    expect(card.locator("[data-action='start']")).to_be_disabled()
    expect(card.locator("[data-action='delete']")).to_be_disabled()  # no delete while running
    expect(card.locator("[data-link='edit']")).to_have_text("View")  # no editing while running
    expect(page.locator("[data-running-count]")).to_have_text("1 running")
    expect(card.locator("[data-field='uptime']")).to_have_text(re.compile(r"^[1-9]\d* s$"))  # ticks by itself
    expect(card.locator("[data-field='memory']")).to_have_text(re.compile(r"MB$"), timeout=20_000)
    assert same_document()

    # Its output appears in the log viewer as it is printed.
    card.locator("[data-link='logs']").click()
    page.wait_for_url(f"**/python/logs/{strategy_id}")
    log = page.locator(".logview-row")
    expect(log.filter(has_text=re.compile(r"tick \d+$")).first).to_be_visible()  # only drawn rows exist
    seen = int(page.locator(".logview-row:not(.is-stderr):not(.is-host)").last.inner_text().rsplit(" ", 1)[1])
    expect(log.filter(has_text=f"tick {seen + 5}").first).to_be_visible()
    page.go_back()
    page.wait_for_url(f"{ui.url}/python")
    ui.dashboard()

    # Stop asks first; cancelling changes nothing.
    card.locator("[data-action='stop']").click()
    assert "Stop “Ticker <b>NIFTY</b>”?" in ui.confirm(False)
    assert ui.entry(strategy_id)["status"] == "running"
    card.locator("[data-action='stop']").click()
    ui.confirm(True)
    expect(badge).to_have_text("stopped")
    expect(card.locator("[data-field='note']")).to_have_text("stopped by user")
    expect(card.locator("[data-field='pid']")).to_have_text("–")
    expect(card.locator("[data-action='start']")).to_be_enabled()
    expect(card.locator("[data-link='edit']")).to_have_text("Edit")
    ui.screenshot("python-ui-dashboard-stopped")

    card.locator("[data-action='delete']").click()
    assert "removed for good" in ui.confirm(True)
    expect(card).to_have_count(0)
    expect(page.locator("[data-empty]")).to_be_visible()
    assert ui.api.get("/python/status").json()["data"]["strategies"] == []
    ui.assert_no_problems()


def test_a_crash_shows_as_an_error_without_a_reload(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(CRASHER, name="Fragile", file_name="fragile.py")
    ui.dashboard()
    same_document = ui.no_reload_marker()
    card = ui.card(strategy_id)
    card.locator("[data-action='start']").click()
    expect(card.locator("[data-field='badge']")).to_have_text("running")

    expect(card.locator("[data-field='badge']")).to_have_text("error", timeout=20_000)
    expect(card.locator("[data-field='note']")).to_have_text("Crashed: exit code 3")
    expect(card.locator("[data-field='last_exit']")).to_have_text("code 3")
    card.locator("[data-field='last_lines'] summary").click()
    expect(card.locator("[data-field='last_lines_text']")).to_contain_text("giving up")
    expect(card.locator("[data-action='clear_error']")).to_be_visible()
    assert same_document()
    ui.screenshot("python-ui-dashboard-crash")

    card.locator("[data-action='clear_error']").click()
    expect(card.locator("[data-field='badge']")).to_have_text("stopped")
    expect(card.locator("[data-action='clear_error']")).to_be_hidden()
    ui.assert_no_problems()


def test_stop_all_is_confirmed_and_stops_every_strategy(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    ids = [ui.upload(SLEEPER, name=f"Sleeper {n}") for n in range(3)]
    for strategy_id in ids[:2]:
        ui.start(strategy_id)
        ui.wait_status(strategy_id, "running")
    ui.dashboard()
    stop_all = page.locator("[data-stop-all]")
    expect(stop_all).to_be_enabled()
    stop_all.click()
    assert "Stop all 2 running or waiting strategies?" in ui.confirm(True)
    for strategy_id in ids[:2]:
        expect(ui.card(strategy_id).locator("[data-field='badge']")).to_have_text("stopped")
    expect(stop_all).to_be_disabled()
    expect(page.locator("[data-running-count]")).to_have_text("0 running")

    # The master-contract banner, and Check & Start (which asks the host to re-check and start
    # what was waiting for the contract).
    banner = page.locator("[data-master-contract]")
    expect(banner).to_contain_text("Master contract ready", timeout=15_000)
    banner.get_by_role("button", name="Check & Start").click()
    expect(page.locator(".toasts .flash", has_text="Master contract")).to_be_visible()
    ui.assert_no_problems()


def test_new_strategies_from_elsewhere_appear_and_deleted_ones_go(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    ui.dashboard()
    expect(page.locator("[data-empty]")).to_be_visible()
    page.locator("[data-empty]").get_by_role("link", name="Upload your first strategy").is_visible()

    strategy_id = ui.upload(SLEEPER, name="From another tab")
    card = ui.card(strategy_id)
    expect(card.get_by_role("heading")).to_have_text("From another tab")
    expect(page.locator("[data-empty]")).to_be_hidden()
    expect(card.locator("[data-link='logs']")).to_have_attribute("href", f"/python/logs/{strategy_id}")
    ui.start(strategy_id)
    expect(card.locator("[data-field='badge']")).to_have_text("running")
    ui.stop(strategy_id)
    expect(card.locator("[data-field='badge']")).to_have_text("stopped")
    assert ui.api.post(f"/python/delete/{strategy_id}").status_code == 200
    expect(card).to_have_count(0)
    expect(page.locator("[data-empty]")).to_be_visible()
    ui.assert_no_problems()


def test_the_dashboard_is_server_rendered_and_reads_without_javascript(
    browser: Any, page: Any, live_server: LiveServer
) -> None:
    ui = open_ui(live_server, page)
    running = ui.upload(SLEEPER, name="Runs", file_name="runs.py")
    ui.upload(SLEEPER, name="Waits for me", file_name="waits.py")
    ui.start(running)
    ui.wait_status(running, "running")
    context = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state())
    try:
        static = context.new_page()
        static.goto(ui.url + "/python")
        card = static.locator(f"#strategy-{running}")
        expect(card.locator("[data-field='badge']")).to_have_text("running")
        expect(card.locator("[data-action='stop']")).to_be_enabled()
        expect(card.locator("[data-action='start']")).to_be_disabled()
        expect(static.locator(".strategy-card")).to_have_count(2)
        expect(static.locator("[data-count]")).to_have_text("2 strategies")
    finally:
        context.close()
    ui.stop(running)


def test_the_pages_are_readable_on_a_phone(browser: Any, page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="A strategy with a rather long name that has to wrap on a phone")
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        storage_state=page.context.storage_state(),
    )
    try:
        phone = context.new_page()
        phone.goto(ui.url + "/python")
        phone.wait_for_function("() => document.documentElement.dataset.dashboardReady === 'true'")
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        expect(phone.locator("[data-page-clock]")).to_be_visible()  # the IST clock stays on phones
        start = phone.locator("[data-action='start']").first
        box = start.bounding_box()
        assert box is not None and box["height"] >= 30  # a finger can hit it
        phone.screenshot(path=str(screenshot_path("python-ui-dashboard-phone")), full_page=True)
        for name, path, ready in (
            ("upload", "/python/new", "() => document.querySelector('[data-upload-form]') !== null"),
            ("editor", f"/python/edit/{strategy_id}", "() => document.documentElement.dataset.editorReady"),
            ("logs", f"/python/logs/{strategy_id}", "() => document.documentElement.dataset.logsReady"),
        ):
            phone.goto(ui.url + path)
            phone.wait_for_function(ready)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
            phone.screenshot(path=str(screenshot_path(f"python-ui-{name}-phone")))
    finally:
        context.close()
