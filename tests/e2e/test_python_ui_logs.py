"""The log viewer page in Chromium: live tail, follow/pause, search highlights, stderr marked, the run
selector, download, clear with confirmation, and a 100,000-line log that opens at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.live_server import LiveServer
from tests.support.python_ui import TICKER, PythonUI, open_ui

ONE_RUN = 'print("{text}", flush=True)\n'
HUNDRED_THOUSAND = """\
import sys
import time

sys.stdout.writelines(f"line {i:06d} of the big log\\n" for i in range(100_000))
sys.stdout.flush()
print("all written", flush=True)
while True:
    time.sleep(0.5)
"""


def open_logs(ui: PythonUI, strategy_id: str) -> Any:
    page = ui.goto(f"/python/logs/{strategy_id}")
    page.wait_for_function("() => document.documentElement.dataset.logsReady === 'true'")
    return page


def test_live_tail_with_follow_pause_search_and_stderr(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(TICKER, name="Ticker", file_name="ticker.py")
    ui.start(strategy_id)
    ui.wait_log(strategy_id, "tick 2")
    open_logs(ui, strategy_id)
    expect(page.locator("[data-live-state]")).to_have_text("Live")
    rows = page.locator(".logview-row")
    expect(rows.filter(has_text="tick 25").first).to_be_visible(timeout=15_000)  # arrived live

    # The host's run header, stdout and stderr are told apart.
    expect(page.locator(".logview-row.is-host", has_text="=== Run").first).to_be_attached()
    stderr = page.locator(".logview-row.is-stderr")
    expect(stderr.first).to_contain_text("[stderr] warning")
    stdout_line = rows.filter(has_text=re.compile(r"tick \d+$")).last
    assert "is-stderr" not in (stdout_line.get_attribute("class") or "")

    # Pausing keeps the view still and counts what arrives meanwhile; Follow catches up.
    follow = page.locator("[data-follow]")
    expect(follow).to_have_attribute("aria-pressed", "true")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(follow).to_have_text(re.compile(r"Follow \(\d+ new\)"))
    follow.click()
    expect(follow).to_have_text("Following")

    # Search highlights every match and steps through them.
    search = page.get_by_label("Search the log")
    search.fill("warning 1")
    expect(page.locator("[data-match-count]")).to_have_text(re.compile(r"^\d+ of \d+$"))
    expect(page.locator("mark.logview-match").first).to_have_text(re.compile("warning 1", re.IGNORECASE))
    expect(page.locator("mark.logview-match.is-current")).to_have_count(1)
    ui.screenshot("python-ui-logs")
    search.press("Escape")
    expect(page.locator("mark.logview-match")).to_have_count(0)
    expect(follow).to_have_text("Following")  # leaving the search goes back to following
    ui.stop(strategy_id)
    expect(page.locator(".logview-row.is-host", has_text="Run ended").first).to_be_visible(timeout=15_000)
    ui.assert_no_problems()


def test_run_selector_download_and_clear(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(ONE_RUN.format(text="hello from the first run"), name="Twice")
    ui.start(strategy_id)
    ui.wait_log(strategy_id, "Run ended")
    saved = ui.api.post(f"/python/save/{strategy_id}", {"content": ONE_RUN.format(text="and now the second")})
    assert saved.status_code == 200, saved.text
    ui.wait_status(strategy_id, "stopped")
    ui.start(strategy_id)
    ui.wait_log(strategy_id, "and now the second")
    ui.wait_status(strategy_id, "stopped")

    open_logs(ui, strategy_id)
    runs = page.get_by_label("Run")
    expect(runs.locator("option")).to_have_count(2)
    expect(page.locator(".logview-row", has_text="and now the second")).to_be_visible()
    expect(page.locator(".logview-row", has_text="hello from the first run")).to_have_count(0)

    earlier = runs.locator("option").nth(1)
    runs.select_option(earlier.get_attribute("value"))
    expect(page.locator(".logview-row", has_text="hello from the first run")).to_be_visible()
    expect(page.locator(".logview-row", has_text="and now the second")).to_have_count(0)
    expect(page.locator("[data-live-state]")).to_have_text("Earlier run (not live)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    download.value.save_as(tmp_path / "run.log")
    text = (tmp_path / "run.log").read_text()
    assert "hello from the first run" in text and "and now the second" not in text
    ui.screenshot("python-ui-logs-earlier-run")

    page.get_by_role("button", name="Clear log").click()
    assert "Clear the log of “Twice”?" in ui.confirm(False)
    expect(runs.locator("option")).to_have_count(2)
    page.get_by_role("button", name="Clear log").click()
    ui.confirm(True)
    expect(page.locator(".logview-row")).to_have_count(0)
    expect(page.locator(".logview-empty")).to_be_visible()
    expect(runs.locator("option")).to_have_text(["No runs yet"])
    assert ui.api.get(f"/python/logs/{strategy_id}/runs").json()["data"]["runs"] == []
    ui.assert_no_problems()


def test_a_100000_line_log_opens_with_only_the_visible_rows_drawn(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(HUNDRED_THOUSAND, name="Chatty")
    ui.start(strategy_id)
    ui.wait_log(strategy_id, "all written", timeout=60)
    open_logs(ui, strategy_id)
    expect(page.locator("[data-line-count]")).to_have_text("1,00,000 lines")
    drawn = page.locator(".logview-row").count()
    assert 0 < drawn < 200, drawn
    expect(page.locator(".logview-row", has_text="all written")).to_be_visible()

    page.locator(".logview-scroller").press("Home")
    expect(page.locator(".logview-row").first).to_contain_text("of the big log")
    search = page.get_by_label("Search the log")
    search.fill("line 050000 of")
    expect(page.locator("[data-match-count]")).to_have_text("1 of 1")
    expect(page.locator("mark.logview-match.is-current")).to_have_text("line 050000 of")
    assert page.locator(".logview-row").count() < 200
    ui.stop(strategy_id)
    ui.assert_no_problems()
