"""The /sandbox page in Chromium: the tables refresh by themselves, prices move, the contract reloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.browser import chromium_browser, screenshot_path
from tests.support.sdk import start_live_host


def test_the_sandbox_page_follows_the_account_live(tmp_path: Path) -> None:
    live = start_live_host(tmp_path / "data", {"SANDBOX_MATCH_INTERVAL_S": "0.1"})
    try:
        with chromium_browser() as browser:
            page: Any = browser.new_page()  # type: ignore[attr-defined]
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda message: message.type == "error" and problems.append(message.text))
            page.goto(f"{live.url}/auth/login")
            page.fill("input[name=username]", ADMIN_USER)
            page.fill("input[name=password]", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live.url}/")
            page.goto(f"{live.url}/sandbox")
            assert page.locator("[data-master-contract-badge]").inner_text() == "Contracts: ready"

            # An order sent by a strategy appears without reloading the page.
            client = live.client()
            ltp = client.quotes(symbol="INFY", exchange="NSE")["data"]["ltp"]
            resting = client.placeorder(
                symbol="INFY",
                action="BUY",
                exchange="NSE",
                quantity=3,
                price_type="LIMIT",
                price=round(ltp - 40, 1),
            )["orderid"]
            row = page.locator("[data-orders] tr", has_text=resting)
            row.get_by_text("open").wait_for(timeout=15_000)

            # Moving the price from the page fills the resting order, and the tables follow.
            page.select_option("#move-exchange", "NSE")
            page.fill("#move-symbol", "INFY")
            page.fill("#move-price", str(round(ltp - 45, 1)))
            page.click("button[value=set]")
            page.locator(".toasts .flash", has_text="INFY moved").wait_for()
            row.get_by_text("complete").wait_for(timeout=15_000)
            page.locator("[data-positions] tr", has_text="INFY").wait_for(timeout=15_000)
            page.locator("[data-trades] tr", has_text=resting).wait_for(timeout=15_000)

            page.click("[data-mc-reload] button")
            page.locator(".toasts .flash", has_text="Master contract download started").wait_for()
            page.locator("[data-mc-status]", has_text="success").wait_for(timeout=30_000)
            page.screenshot(path=str(screenshot_path("sandbox-page")), full_page=True)
            assert problems == []
    finally:
        live.stop()
