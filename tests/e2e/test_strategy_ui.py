"""The /strategy pages in Chromium on a live host, used as a trader uses them: create a webhook
strategy, map a symbol through the master-contract search, copy the webhook URL, post an alert to it
as TradingView does, and see the delivery and its placed order appear without a reload; then the
settings, rotating the URL, the active switch and delete; and the pages at phone width.

The host runs on a clock that starts on the next NSE trading day at 10:00 IST, so an intraday
strategy's window is open whatever the hour of the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.clocks import next_trading_moment
from tests.support.python_ui import PythonUI, open_ui
from tests.support.sdk import LiveHost, start_live_host
from tests.support.strategies import wait_until
from tests.support.webhooks import create_strategy, deliveries, post_alert

ALERT = '{"symbol": "SBIN", "action": "BUY"}'


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    host = start_live_host(tmp_path_factory.mktemp("strategy-ui") / "data", clock_at=next_trading_moment(10))
    yield host
    host.stop()


def open_browser(browser: Any, live: LiveHost, width: int = 1366, height: int = 900) -> PythonUI:
    context = browser.new_context(
        viewport={"width": width, "height": height}, permissions=["clipboard-read", "clipboard-write"]
    )
    context.set_default_timeout(15_000)
    return open_ui(live.server, context.new_page())


@pytest.fixture
def ui(browser: Any, live: LiveHost) -> Iterator[PythonUI]:
    opened = open_browser(browser, live)
    yield opened
    opened.page.context.close()


def radio(page: Any, label: str) -> Any:
    return page.get_by_role("radio", name=re.compile(rf"^{label}\b"))


def test_create_map_copy_post_an_alert_and_watch_it_arrive(ui: PythonUI, live: LiveHost) -> None:
    page = ui.goto("/strategy")
    expect(page.get_by_role("heading", name="Strategies", exact=True)).to_be_visible()
    page.get_by_role("link", name="New strategy").first.click()
    page.wait_for_url("**/strategy/new")

    # The form: modes explained, the live venue refused with its reason, times only when intraday.
    expect(radio(page, "LONG")).to_be_checked()
    expect(page.get_by_text("Short only: SELL opens a position, BUY covers it.")).to_be_visible()
    expect(radio(page, "Live")).to_be_disabled()
    expect(page.get_by_text("Needs an upstream OpenAlgo server")).to_be_visible()
    page.get_by_label("Intraday").uncheck()
    expect(page.get_by_label("Square-off (IST)")).to_be_hidden()
    page.get_by_label("Intraday").check()
    expect(page.get_by_label("Square-off (IST)")).to_have_value("15:15")
    page.get_by_role("button", name="Create strategy").click()
    expect(page.locator("[data-error-for='name']")).to_have_text("is required")  # the server's word

    page.get_by_label("Name", exact=True).fill("Nifty trend <b>1</b>")
    page.get_by_role("button", name="Create strategy").click()
    page.wait_for_url(re.compile(r"/strategy/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nifty trend <b>1</b>")
    same_document = ui.no_reload_marker()
    expect(page.locator("[data-samples-for='LONG']")).to_contain_text(
        '{"symbol": "{{ticker}}", "action": "{{strategy.order.action}}"}'
    )
    expect(page.locator("[data-samples-for='BOTH']")).to_be_hidden()

    # A symbol, found by typing and picked with the keyboard; the quantity starts at its lot size.
    symbols = page.locator("[data-mappings-card]")
    box = symbols.get_by_role("combobox", name="Symbol")
    box.fill("SBIN")
    expect(
        symbols.get_by_role("listbox", name="Matching symbols").get_by_role("option").first
    ).to_contain_text("SBIN")
    expect(symbols.locator("[data-search-status]")).to_contain_text("on NSE")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "mapping-symbol-list-0")
    box.press("Enter")
    expect(symbols.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("SBIN")
    expect(symbols.get_by_label("Quantity")).to_have_value("1")
    symbols.get_by_label("Quantity").fill("5")
    expect(symbols.get_by_label("Product")).to_have_value("MIS")
    symbols.get_by_role("button", name="Add symbol").click()
    row = symbols.locator("tbody tr", has_text="SBIN")
    expect(row).to_contain_text("5")
    expect(row).to_contain_text("MIS")
    expect(symbols.locator("[data-mappings-empty]")).to_be_hidden()

    # Copy the webhook URL: the clipboard holds what the field shows.
    page.locator("[data-copy='webhook-url']").click()
    expect(page.locator("[data-copy='webhook-url']")).to_have_text("Copied")
    url = page.evaluate("navigator.clipboard.readText()")
    assert url == page.get_by_label("Webhook URL").input_value()
    assert url.startswith(f"{live.url}/strategy/webhook/")

    # TradingView posts the alert as text/plain; the delivery and its placed order appear.
    reply = httpx.post(url, content=ALERT, headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10)
    assert reply.status_code == 200 and reply.json()["result"] == "accepted", reply.text
    delivery_id = reply.json()["delivery_id"]
    strategy_id = int(page.url.rsplit("/", 1)[1])
    placed = wait_until(
        lambda: next(d for d in deliveries(live, strategy_id) if d["id"] == delivery_id)["orders"][0][
            "orderid"
        ],
        15,
        interval=0.1,
        what="the order to be placed",
    )
    delivery = page.locator(f"#delivery-{delivery_id}")
    expect(delivery.locator("[data-field='result']")).to_have_text("accepted")
    order = delivery.locator(".order-item")
    expect(order.locator("[data-order-field='status']")).to_have_text("placed")
    expect(order).to_contain_text("BUY 5 · SBIN NSE MIS")
    expect(order).to_contain_text(placed)
    expect(delivery.locator("[data-field='sender']")).to_have_text("127.0.0.1")

    delivery.get_by_role("button", name="Body").click()
    body = page.locator(f"#delivery-{delivery_id}-body")
    expect(body.locator("[data-field='body']")).to_have_text(ALERT)
    expect(body.locator("[data-field='headers']")).to_contain_text("Content-Type: text/plain; charset=utf-8")

    # The same alert again is a duplicate that points at the first delivery.
    again = httpx.post(url, content=ALERT, headers={"Content-Type": "text/plain"}, timeout=10).json()
    assert again["result"] == "duplicate", again
    duplicate = page.locator(f"#delivery-{again['delivery_id']}")
    expect(duplicate.locator("[data-field='result']")).to_have_text("duplicate")
    expect(duplicate.get_by_role("link", name=f"Go to #{delivery_id}")).to_have_attribute(
        "href", f"#delivery-{delivery_id}"
    )
    expect(page.locator("tbody.delivery").first).to_have_id(f"delivery-{again['delivery_id']}")
    expect(body).to_be_visible()  # the opened body stayed open through the refreshes
    assert same_document()
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of the picture
    ui.screenshot("strategy-ui-detail", full_page=True)
    ui.assert_no_problems()


def test_settings_rotate_active_and_delete(ui: PythonUI, live: LiveHost) -> None:
    strategy = create_strategy(live, name="Rotating", trading_mode="LONG")
    page = ui.goto(f"/strategy/{strategy['id']}")
    settings = page.locator("[data-settings-form]")

    # BOTH and positional: the header, the alert messages and the products follow the saved strategy.
    radio(settings, "BOTH").check()
    settings.get_by_label("Intraday").uncheck()
    settings.get_by_role("button", name="Save settings").click()
    expect(page.locator(".toasts")).to_contain_text("Strategy saved.")
    expect(page.locator("[data-strategy-field='trading_mode']")).to_have_text("BOTH")
    expect(page.locator("[data-strategy-field='positional']")).to_be_visible()
    expect(page.locator("[data-samples-for='BOTH']")).to_contain_text(
        '"position_size": "{{strategy.position_size}}"'
    )
    expect(page.locator("[data-samples-for='LONG']")).to_be_hidden()
    expect(page.get_by_label("Product")).to_have_value("CNC")
    assert page.get_by_label("Product").locator("option[value='MIS']").is_disabled()

    # An invalid window: the server's reason next to its field, nothing saved.
    settings.get_by_label("Intraday").check()
    settings.get_by_label("End (IST)").fill("09:00")
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.locator("[data-error-for='end_time']")).to_have_text("must be after the start time 09:15")
    expect(settings.get_by_label("End (IST)")).to_have_attribute("aria-invalid", "true")
    assert (
        live.session.get(f"/strategy/api/strategies/{strategy['id']}").json()["data"]["is_intraday"] is False
    )

    # Rotate: asked first; the old URL stops working, the new one is shown.
    old_url = page.get_by_label("Webhook URL").input_value()
    page.get_by_role("button", name="Rotate").click()
    assert "stops working" in ui.confirm()
    expect(page.get_by_label("Webhook URL")).not_to_have_value(old_url)
    new_url = page.get_by_label("Webhook URL").input_value()
    assert httpx.post(old_url, content=ALERT, timeout=10).status_code == 404

    # Inactive: the banner says so and an alert is refused, recorded as a rejected delivery.
    page.get_by_role("switch", name="Active").click()
    expect(page.locator("[data-inactive-note]")).to_be_visible()
    assert httpx.post(new_url, content=ALERT, timeout=10).status_code == 409
    expect(page.locator("tbody.delivery [data-field='result']").first).to_have_text("rejected")
    expect(page.locator("tbody.delivery [data-field='message']").first).to_contain_text("is inactive")

    # Delete: asked first, then back to the list without it.
    page.get_by_role("button", name="Delete").click()
    assert "Positions it opened stay open" in ui.confirm()
    page.wait_for_url(f"{live.url}/strategy")
    expect(page.get_by_role("link", name="Rotating")).to_have_count(0)
    ui.assert_no_problems()


def test_the_pages_fit_a_phone_and_the_list_switch_works_from_the_keyboard(
    browser: Any, live: LiveHost
) -> None:
    mapping = {"symbol": "INFY", "exchange": "NSE", "quantity": 2, "product": "MIS"}
    strategy = create_strategy(live, [mapping], name="Phone " + "very-long-name-" * 4, trading_mode="SHORT")
    post_alert(live, strategy["webhook_id"], {"symbol": "INFY", "action": "SELL", "note": "x" * 300})
    ui = open_browser(browser, live, width=390, height=844)
    try:
        page = ui.page
        for path in ("/strategy", f"/strategy/{strategy['id']}", "/strategy/new"):
            ui.goto(path)
            if path != "/strategy/new":
                expect(page.locator("main table").first).to_be_visible()
            if path == f"/strategy/{strategy['id']}":
                page.locator("tbody.delivery").first.get_by_role("button", name="Body").click()
                expect(page.locator(".order-item").first).to_contain_text("placed")
                page.evaluate("window.scrollTo(0, 0)")
                ui.screenshot("strategy-ui-phone", full_page=True)
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], (path, width)

        ui.goto("/strategy")
        switch = page.get_by_role("switch", name=f"Active: {strategy['name']}")
        switch.focus()
        page.keyboard.press("Space")
        expect(page.locator(".toasts")).to_contain_text("inactive")
        expect(switch).not_to_be_checked()
        expect(switch).to_be_focused()
        assert (
            live.session.get(f"/strategy/api/strategies/{strategy['id']}").json()["data"]["is_active"]
            is False
        )
        ui.assert_no_problems()
    finally:
        page.context.close()


def test_without_the_clipboard_api_copy_selects_the_url_for_ctrl_c(ui: PythonUI, live: LiveHost) -> None:
    # A page served over plain http from another machine has no navigator.clipboard, and the copy
    # command may be refused too: the URL is selected and the button says what to press.
    strategy = create_strategy(live, name="No clipboard")
    ui.page.context.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: undefined});"
        "document.execCommand = () => false;"
    )
    page = ui.goto(f"/strategy/{strategy['id']}")
    page.locator("[data-copy='webhook-url']").click()
    expect(page.locator("[data-copy='webhook-url']")).to_have_text("Press Ctrl+C")
    expect(page.get_by_label("Webhook URL")).to_be_focused()
    selected = page.evaluate(
        "(() => { const box = document.activeElement;"
        " return box.value.slice(box.selectionStart, box.selectionEnd); })()"
    )
    assert selected == strategy["webhook_url"]
    expect(page.locator("[data-copy='webhook-url']")).to_have_text("Copy", timeout=5000)
    ui.assert_no_problems()
