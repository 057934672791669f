"""The variables dialog in Chromium: regular rows, secure values that never come back to the browser
(not in the DOM, not in any response, not in any live event), name errors inline, read-only while
the strategy runs."""

from __future__ import annotations

import hashlib
from typing import Any

from playwright.sync_api import expect

from tests.support.live_server import LiveServer
from tests.support.python_ui import SLEEPER, PythonUI, open_ui

SECRET = "s3cr3t-BROKER-token-9f2c41d7"
REPLACED = "another-secret-value-77ab03"
#: Prints a digest of its secret, so the test can tell the strategy got it without showing it.
DIGEST = """\
import hashlib
import os
import time

print("digest", hashlib.sha256(os.environ["BROKER_TOKEN"].encode()).hexdigest()[:16], flush=True)
while True:
    time.sleep(0.2)
"""


def record_responses(ui: PythonUI) -> list[str]:
    """Every response body the page receives (streams are recorded by the SSE recorder)."""
    bodies: list[str] = []

    def keep(response: Any) -> None:
        if "text/event-stream" in (response.headers.get("content-type") or ""):
            return
        try:
            bodies.append(response.body().decode("utf-8", "replace"))
        except Exception:  # a redirect or an aborted request has no body
            return

    ui.page.on("response", keep)
    return bodies


def open_variables(ui: PythonUI, strategy_id: str) -> Any:
    ui.card(strategy_id).locator("[data-action='variables']").click()
    dialog = ui.page.locator("dialog[data-variables-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-add-regular]")).to_be_enabled()
    return dialog


def assert_secret_nowhere(ui: PythonUI, bodies: list[str], *secrets: str) -> None:
    html = ui.page.content()
    values = ui.page.evaluate("() => [...document.querySelectorAll('input, textarea')].map((i) => i.value)")
    events = ui.page.evaluate("() => window.__sse || []")
    assert events, "the SSE recorder saw no events"
    for secret in secrets:
        assert secret not in html
        assert all(secret not in value for value in values)
        assert all(secret not in body for body in bodies)
        assert all(secret not in event for event in events)


def test_a_secure_variable_is_set_but_never_comes_back(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page, record_sse=True)
    bodies = record_responses(ui)
    strategy_id = ui.upload(DIGEST, name="Uses a secret", file_name="secret.py")
    ui.dashboard()
    dialog = open_variables(ui, strategy_id)
    expect(dialog.locator("[data-regular-empty]")).to_be_visible()

    dialog.get_by_role("button", name="Add variable").click()
    dialog.locator("[data-regular-rows] [data-var-row]").last.get_by_label("Name").fill("SYMBOL")
    dialog.locator("[data-regular-rows] [data-var-row]").last.get_by_label("Value").fill("NIFTY")
    dialog.get_by_role("button", name="Add secure variable").click()
    dialog.get_by_label("Secure name").fill("BROKER_TOKEN")
    dialog.get_by_label("Secret value").fill(SECRET)
    dialog.get_by_role("button", name="Save variables").click()
    expect(ui.page.locator(".toasts .flash", has_text="Variables saved")).to_be_visible()

    secure = dialog.locator("[data-secure-item]")
    expect(secure).to_have_count(1)
    expect(secure.locator("[data-secure-name]")).to_have_text("BROKER_TOKEN")
    expect(secure.locator(".secret-mask")).to_have_text("••••••••")
    expect(dialog.get_by_label("Name")).to_have_value("SYMBOL")
    assert_secret_nowhere(ui, bodies, SECRET)
    ui.screenshot("python-ui-variables")

    # The strategy does get it.
    ui.start(strategy_id)
    ui.wait_log(strategy_id, "digest " + hashlib.sha256(SECRET.encode()).hexdigest()[:16])
    ui.stop(strategy_id)
    ui.wait_status(strategy_id, "stopped")

    # Replace it, then delete it; reopening the dialog shows names only.
    ui.page.keyboard.press("Escape")
    dialog = open_variables(ui, strategy_id)
    dialog.get_by_role("button", name="Replace BROKER_TOKEN").click()
    dialog.get_by_label("New value for BROKER_TOKEN").fill(REPLACED)
    dialog.get_by_role("button", name="Save variables").click()
    expect(dialog.get_by_label("New value for BROKER_TOKEN")).to_be_hidden()
    assert_secret_nowhere(ui, bodies, SECRET, REPLACED)

    dialog.get_by_role("button", name="Delete BROKER_TOKEN").click()
    expect(dialog.locator("[data-secure-state]")).to_have_text("deleted when you save")
    dialog.get_by_role("button", name="Save variables").click()
    expect(dialog.locator("[data-secure-item]")).to_have_count(0)
    stored = ui.api.get(f"/python/env/{strategy_id}").json()["data"]
    assert stored == {"regular": {"SYMBOL": "NIFTY"}, "secure": []}
    assert_secret_nowhere(ui, bodies, SECRET, REPLACED)
    ui.assert_no_problems()


def test_invalid_names_are_shown_on_their_row(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Names")
    ui.dashboard()
    dialog = open_variables(ui, strategy_id)
    dialog.get_by_role("button", name="Add variable").click()
    row = dialog.locator("[data-regular-rows] [data-var-row]").nth(0)
    row.get_by_label("Name").fill("1BAD-NAME")
    row.get_by_label("Value").fill("x")
    dialog.get_by_role("button", name="Add variable").click()
    reserved = dialog.locator("[data-regular-rows] [data-var-row]").nth(1)
    reserved.get_by_label("Name").fill("OPENALGO_API_KEY")
    reserved.get_by_label("Value").fill("mine")
    dialog.get_by_role("button", name="Save variables").click()
    expect(row.locator("[data-row-error]")).to_contain_text("letters, digits and _")
    expect(row.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(reserved.locator("[data-row-error]")).not_to_be_empty()
    expect(dialog.locator("[data-form-error]")).to_contain_text("not valid")
    assert ui.api.get(f"/python/env/{strategy_id}").json()["data"]["regular"] == {}
    ui.screenshot("python-ui-variables-errors")
    ui.assert_no_problems()


def test_variables_are_read_only_while_the_strategy_runs(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Running")
    variables = {"regular": {"MODE": "paper"}, "secure": {"KEY": "zzz-1"}}
    saved = ui.api.post(f"/python/env/{strategy_id}", variables)
    assert saved.status_code == 200, saved.text
    ui.start(strategy_id)
    ui.wait_status(strategy_id, "running")
    ui.dashboard()
    ui.card(strategy_id).locator("[data-action='variables']").click()
    dialog = page.locator("dialog[data-variables-dialog]")
    expect(dialog.locator("[data-readonly-banner]")).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_value("MODE")
    expect(dialog.get_by_label("Name")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Save variables")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Replace KEY")).to_be_disabled()
    expect(dialog.get_by_role("button", name="Add variable")).to_be_disabled()

    # Stopping it (elsewhere) makes the open dialog editable.
    ui.stop(strategy_id)
    expect(dialog.locator("[data-readonly-banner]")).to_be_hidden()
    expect(dialog.get_by_label("Name")).to_be_enabled()
    expect(dialog.get_by_role("button", name="Save variables")).to_be_enabled()
    ui.assert_no_problems()
