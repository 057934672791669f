"""A trader's day on the /python pages in the dark theme: several strategies in different states on
the dashboard, one open in the editor, one's live log. Its screenshots are the ones in the README
(copied from tests/artifacts/python-ui-tour-*.png to docs/screenshots/)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.support.browser import screenshot_path
from tests.support.live_server import LiveServer
from tests.support.python_ui import CRASHER, SLEEPER, TICKER, open_ui

EMA = '''\
"""EMA crossover on NIFTY futures, paper-traded through the host's sandbox."""
import os
import time

from openalgo import api

client = api(api_key=os.environ["OPENALGO_API_KEY"], host=os.environ["OPENALGO_HOST"])
SYMBOL = os.environ.get("SYMBOL", "NIFTY24NOVFUT")
FAST, SLOW = 9, 21


def ema(values: list[float], period: int) -> float:
    k = 2 / (period + 1)
    value = values[0]
    for price in values[1:]:
        value = price * k + value * (1 - k)
    return value


while True:
    closes = [24500.0 + i for i in range(SLOW * 2)]
    fast, slow = ema(closes, FAST), ema(closes, SLOW)
    if fast > slow:
        print(f"{SYMBOL}: fast {fast:.2f} above slow {slow:.2f}: long", flush=True)
    time.sleep(5)
'''


def test_a_tour_of_the_python_pages(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 860}, color_scheme="dark")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        ui = open_ui(live_server, page)
        ticker = ui.upload(TICKER, name="NIFTY momentum", file_name="nifty_momentum.py")
        ema = ui.upload(EMA, name="EMA crossover", file_name="ema_crossover.py")
        crash = ui.upload(CRASHER, name="BANKNIFTY straddle", file_name="straddle.py")
        gold = ui.upload(SLEEPER, name="Gold mean reversion", file_name="gold_reversion.py")
        schedule = {
            "schedule_start": "09:00",
            "schedule_stop": "23:30",
            "schedule_days": ["mon", "tue", "wed", "thu", "fri"],
            "exchange": "MCX",
            "ignore_holidays": False,
        }
        scheduled = ui.api.post(f"/python/schedule/{gold}", schedule)
        assert scheduled.status_code == 200, scheduled.text
        for strategy_id in (ticker, crash):
            ui.start(strategy_id)
        ui.wait_status(crash, "error")
        ui.wait_log(ticker, "tick 40")

        ui.dashboard()
        expect(ui.card(ticker).locator("[data-field='memory']")).not_to_have_text("–", timeout=20_000)
        expect(ui.card(crash).locator("[data-field='badge']")).to_have_text("error")
        expect(ui.card(gold).locator("[data-field='schedule']")).to_contain_text("09:00–23:30 IST")
        page.screenshot(path=str(screenshot_path("python-ui-tour-dashboard")))

        page.goto(f"{ui.url}/python/edit/{ema}")
        page.wait_for_function("() => document.documentElement.dataset.editorReady === 'true'")
        page.locator(".cm-content").click()
        page.keyboard.press("Control+End")
        page.keyboard.type("# TODO: trail the stop once in profit\n")
        expect(page.locator("[data-dirty-marker]")).to_have_text("Unsaved changes")
        page.screenshot(path=str(screenshot_path("python-ui-tour-editor")))

        page.goto(f"{ui.url}/python/logs/{ticker}")
        page.wait_for_function("() => document.documentElement.dataset.logsReady === 'true'")
        page.get_by_label("Search the log").fill("warning")
        expect(page.locator("mark.logview-match").first).to_be_visible()
        page.screenshot(path=str(screenshot_path("python-ui-tour-logs")))
        ui.stop(ticker)
        ui.assert_no_problems()
    finally:
        context.close()
