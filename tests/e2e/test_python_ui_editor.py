"""The editor page in Chromium: read-only while running (and editable once stopped, live), Ctrl+S,
the unsaved marker and the leave warning, a syntax error at its line, Reset and both exports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.live_server import LiveServer
from tests.support.python_ui import SLEEPER, PythonUI, open_ui


def editor_text(ui: PythonUI) -> str:
    # The editor's lines as the page shows them (these documents are short: every line is drawn).
    script = "() => [...document.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\\n')"
    return str(ui.page.evaluate(script))


def open_editor(ui: PythonUI, strategy_id: str) -> Any:
    page = ui.goto(f"/python/edit/{strategy_id}")
    page.wait_for_function("() => document.documentElement.dataset.editorReady === 'true'")
    return page


def type_at_end(page: Any, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def test_read_only_while_running_then_editable_when_stopped(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Busy", file_name="busy.py")
    ui.start(strategy_id)
    ui.wait_status(strategy_id, "running")
    open_editor(ui, strategy_id)
    banner = page.locator("[data-readonly-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("The strategy is running: the editor is read-only.")
    expect(page.locator(".cm-content")).to_have_attribute("aria-readonly", "true")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()
    type_at_end(page, "# cannot type here\n")
    assert "cannot type here" not in editor_text(ui)
    page.keyboard.press("Control+s")
    expect(page.locator(".toasts .flash", has_text="stop it before saving")).to_be_visible()
    ui.screenshot("python-ui-editor-read-only")

    # Stopping (from the banner, with a confirmation) makes it editable without a reload.
    banner.get_by_role("button", name="Stop strategy").click()
    ui.confirm(True)
    expect(banner).to_be_hidden()
    expect(page.locator(".cm-content")).not_to_have_attribute("aria-readonly", "true")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_enabled()
    expect(page.locator("[data-status-badge]")).to_have_text("stopped")

    # And read-only again as soon as it is started elsewhere.
    ui.start(strategy_id)
    expect(banner).to_be_visible()
    expect(page.locator(".cm-content")).to_have_attribute("aria-readonly", "true")
    ui.stop(strategy_id)
    expect(banner).to_be_hidden()
    ui.assert_no_problems()


def test_ctrl_s_saves_and_a_reload_shows_the_saved_text(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Editable", file_name="editable.py")
    open_editor(ui, strategy_id)
    marker = page.locator("[data-dirty-marker]")
    expect(marker).to_have_text("Saved")
    type_at_end(page, "# tuned on the editor page\n")
    expect(marker).to_have_text("Unsaved changes")
    assert page.title().startswith("• ")

    page.keyboard.press("Control+s")
    expect(marker).to_have_text("Saved")
    expect(page.locator(".toasts .flash", has_text="Saved")).to_be_visible()
    assert (
        ui.api.get(f"/python/script/{strategy_id}")
        .json()["data"]["content"]
        .endswith("# tuned on the editor page\n")
    )
    page.reload()
    page.wait_for_function("() => document.documentElement.dataset.editorReady === 'true'")
    assert editor_text(ui).endswith("# tuned on the editor page\n")
    ui.screenshot("python-ui-editor")
    ui.assert_no_problems()


def test_leaving_with_unsaved_changes_asks_first(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Careful")
    open_editor(ui, strategy_id)
    type_at_end(page, "x = 1\n")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    ui.page.wait_for_timeout(200) if not asked else None
    assert asked == ["beforeunload"]
    assert not page.is_closed()  # dismissed: the trader stays on the page


def test_a_syntax_error_is_shown_at_its_line_and_nothing_is_saved(page: Any, live_server: LiveServer) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Typo")
    open_editor(ui, strategy_id)
    lines_before = SLEEPER.count("\n")
    type_at_end(page, "if True print('missing colon')\n")
    page.keyboard.press("Control+s")
    error_line = page.locator(".cm-error-line")
    expect(error_line).to_have_count(1)
    line_number = lines_before + 1
    expect(page.locator(".cm-error-message")).to_be_visible()
    expect(page.locator("[data-editor-error]")).to_contain_text(f"Syntax error on line {line_number}")
    # The marked line is the one with the mistake.
    expect(error_line).to_contain_text("if True print('missing colon')")
    expect(page.locator("[data-dirty-marker]")).to_have_text("Unsaved changes")
    assert ui.api.get(f"/python/script/{strategy_id}").json()["data"]["content"] == SLEEPER
    ui.screenshot("python-ui-editor-syntax-error")

    # Reset to saved (confirmed, as it discards the buffer) brings back the stored text.
    page.get_by_role("button", name="Reset to saved").click()
    ui.confirm(True)
    expect(page.locator("[data-dirty-marker]")).to_have_text("Saved")
    expect(page.locator(".cm-error-line")).to_have_count(0)
    assert editor_text(ui) == SLEEPER
    ui.assert_no_problems()


def test_export_of_the_saved_file_and_of_the_buffer(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    ui = open_ui(live_server, page)
    strategy_id = ui.upload(SLEEPER, name="Exported", file_name="exported.py")
    open_editor(ui, strategy_id)
    type_at_end(page, "# only in the buffer\n")

    with page.expect_download() as saved_download:
        page.get_by_role("link", name="Export saved file").click()
    saved = saved_download.value
    assert saved.suggested_filename == "exported.py"
    saved.save_as(tmp_path / "saved.py")
    assert (tmp_path / "saved.py").read_text() == SLEEPER

    with page.expect_download() as buffer_download:
        page.get_by_role("button", name="Export editor contents").click()
    buffered = buffer_download.value
    assert buffered.suggested_filename == "exported.py"
    buffered.save_as(tmp_path / "buffer.py")
    assert (tmp_path / "buffer.py").read_text() == SLEEPER + "# only in the buffer\n"
    ui.assert_no_problems()
