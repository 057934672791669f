"""The upload page in Chromium: file picker and drag-and-drop, the server's validation errors next to
their field, and an optional schedule whose failure never hides that the upload succeeded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.live_server import LiveServer
from tests.support.python_ui import SLEEPER, PythonUI, open_ui


def open_upload(ui: PythonUI) -> Any:
    page = ui.goto("/python/new")
    expect(page.get_by_role("heading", name="New strategy")).to_be_visible()
    return page


def strategies(ui: PythonUI) -> list[dict[str, Any]]:
    return list(ui.api.get("/python/status").json()["data"]["strategies"])


def test_upload_from_the_empty_dashboard_with_the_file_picker(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    ui = open_ui(live_server, page)
    ui.dashboard()
    page.get_by_role("link", name="Upload your first strategy").click()
    page.wait_for_url("**/python/new")
    script = tmp_path / "ema_crossover.py"
    script.write_text(SLEEPER)
    page.get_by_label("Script").set_input_files(str(script))
    expect(page.get_by_label("Name")).to_have_value("ema_crossover")  # taken from the file name
    expect(page.locator("[data-drop-text]")).to_contain_text("ema_crossover.py")
    page.get_by_label("Name").fill("EMA crossover · BANKNIFTY")
    page.get_by_label("Exchange", exact=True).select_option("NFO")
    ui.screenshot("python-ui-upload")
    page.get_by_role("button", name="Upload strategy").click()

    page.wait_for_url("**/python#strategy-*")
    [entry] = strategies(ui)
    assert entry["name"] == "EMA crossover · BANKNIFTY" and entry["exchange"] == "NFO"
    card = ui.card(entry["id"])
    expect(card.get_by_role("heading")).to_have_text("EMA crossover · BANKNIFTY")
    expect(card.locator("[data-field='exchange']")).to_have_text("NFO")
    assert page.evaluate("() => document.querySelector(':target')?.id") == f"strategy-{entry['id']}"
    ui.assert_no_problems()


def test_server_validation_errors_appear_next_to_their_field(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    ui = open_ui(live_server, page)
    open_upload(ui)
    submit = page.get_by_role("button", name="Upload strategy")
    file_error = page.locator("[data-error-for='file']")

    page.get_by_label("Name").fill("No file")
    submit.click()
    expect(file_error).to_have_text("A file is required.")
    expect(page.get_by_label("Script")).to_have_attribute("aria-invalid", "true")

    notes = tmp_path / "notes.txt"
    notes.write_text("buy low, sell high\n")
    page.get_by_label("Script").set_input_files(str(notes))
    submit.click()
    expect(file_error).to_have_text("The file must end in .py.")

    broken = tmp_path / "broken.py"
    broken.write_text("import time\n\ndef tick(:\n    pass\n")
    page.get_by_label("Script").set_input_files(str(broken))
    submit.click()
    expect(file_error).to_contain_text("Line 3")
    expect(page.locator("[data-upload-error]")).to_contain_text("Syntax error on line 3")

    fine = tmp_path / "fine.py"
    fine.write_text(SLEEPER)
    page.get_by_label("Script").set_input_files(str(fine))
    page.get_by_label("Name").fill("   ")
    submit.click()
    expect(page.locator("[data-error-for='name']")).to_have_text("A name is required.")
    expect(file_error).to_be_empty()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    ui.screenshot("python-ui-upload-errors")
    assert strategies(ui) == []
    ui.assert_no_problems()


def test_a_file_dropped_on_the_page_is_uploaded(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    open_upload(ui)
    page.evaluate(
        """(source) => {
             const zone = document.querySelector("[data-drop-zone]");
             const transfer = new DataTransfer();
             transfer.items.add(new File([source], "dropped_strategy.py", {type: "text/x-python"}));
             for (const type of ["dragenter", "dragover", "drop"]) {
               const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
               zone.dispatchEvent(new DragEvent(type, init));
             }
           }""",
        SLEEPER,
    )
    expect(page.locator("[data-drop-text]")).to_contain_text("dropped_strategy.py")
    expect(page.get_by_label("Name")).to_have_value("dropped_strategy")
    page.get_by_role("button", name="Upload strategy").click()
    page.wait_for_url("**/python#strategy-*")
    [entry] = strategies(ui)
    assert entry["file_name"] == "dropped_strategy.py"
    assert ui.api.get(f"/python/script/{entry['id']}").json()["data"]["content"] == SLEEPER
    ui.assert_no_problems()


def test_a_schedule_that_fails_after_the_upload_says_so_and_links_to_the_strategy(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    ui = open_ui(live_server, page)
    open_upload(ui)
    script = tmp_path / "scheduled.py"
    script.write_text(SLEEPER)
    page.get_by_label("Script").set_input_files(str(script))
    page.get_by_label("Run on a schedule").check()
    expect(page.get_by_label("Start time (IST)")).to_have_value("09:15")  # the exchange's session
    page.get_by_label("Exchange", exact=True).select_option("MCX")
    expect(page.get_by_label("Start time (IST)")).to_have_value("09:00")
    expect(page.get_by_label("Stop time (IST)")).to_have_value("23:55")
    page.get_by_label("Start time (IST)").fill("25:00")  # never a valid time
    page.get_by_role("button", name="Upload strategy").click()

    error = page.locator("[data-upload-error]")
    expect(error).to_contain_text("“scheduled” was uploaded, but its schedule was not set")
    [entry] = strategies(ui)
    link = error.get_by_role("link", name="Open it on the dashboard")
    expect(link).to_have_attribute("href", f"/python#strategy-{entry['id']}")
    # Only the schedule can be sent again: a second click never uploads a second copy.
    expect(page.get_by_label("Script")).to_be_disabled()
    expect(page.get_by_role("button", name="Set schedule")).to_be_visible()
    page.get_by_role("button", name="Set schedule").click()
    expect(error).to_contain_text("was uploaded, but its schedule was not set")
    assert len(strategies(ui)) == 1
    ui.screenshot("python-ui-upload-schedule-failed")
    link.click()
    page.wait_for_url(f"**/python#strategy-{entry['id']}")
    ui.assert_no_problems()
