"""A trader's first visit in a real browser: setup, login, navigation, theme toggle."""

from __future__ import annotations

from typing import Any

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.browser import screenshot_path
from tests.support.live_server import LiveServer


def test_setup_login_navigation_and_theme(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    assert page.url.endswith("/auth/setup")

    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "at least 10 characters" in page.locator(".field-error").inner_text()

    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()

    nav = page.get_by_role("navigation", name="Main")
    for label in ("Dashboard", "API Key"):
        assert nav.get_by_role("link", name=label).is_visible()
    assert nav.get_by_role("button", name="Logout").is_visible()

    html = page.locator("html")
    before = html.get_attribute("data-theme")
    page.get_by_role("button", name="Switch between dark and light theme").click()
    after = html.get_attribute("data-theme")
    assert {before, after} == {"dark", "light"}
    page.reload()
    assert html.get_attribute("data-theme") == after  # the choice persists
    page.screenshot(path=str(screenshot_path("foundation-dashboard")), full_page=True)

    nav.get_by_role("link", name="API Key").click()
    key = page.locator("[data-api-key]").input_value()
    assert len(key) == 64

    nav.get_by_role("button", name="Logout").click()
    page.wait_for_url("**/auth/login")
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    assert "Invalid username or password." in page.locator(".flash-error").inner_text()
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")


def test_layout_is_readable_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/auth/setup")
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server.url + "/")
    # No horizontal scrolling on a phone, and the menu opens from its button.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.get_by_role("button", name="Menu").click()
    assert nav.get_by_role("link", name="API Key").is_visible()
    page.screenshot(path=str(screenshot_path("foundation-phone")), full_page=True)
    context.close()
