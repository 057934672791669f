"""The front-end building blocks in a real browser, under the host's CSP, without the host.

The code editor bundle (static/vendor/codemirror/editor.bundle.js), the virtualised log viewer
(static/js/logview.js) and the live-update client (static/js/live.js) are loaded from small harness
pages in tests/e2e/fixtures/ served by tests/support/static_server.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import chromium_browser
from tests.support.static_server import StaticServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# Collects long tasks (main-thread tasks over 50 ms) from the very start of each page.
LONGTASK_PROBE = """
window.__longtasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push({start: e.startTime, duration: e.duration});
  }).observe({type: "longtask", buffered: true});
} catch (e) {}
"""


@pytest.fixture(scope="module")
def component_server() -> Iterator[StaticServer]:
    with StaticServer() as server:
        yield server


@pytest.fixture(scope="module")
def component_browser() -> Iterator[Any]:
    with chromium_browser() as browser:
        yield browser


class Harness:
    """A page opened on one harness, with its console problems collected."""

    def __init__(self, browser: Any, server: StaticServer) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(LONGTASK_PROBE)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.expected: list[str] = []  # console errors a test provokes on purpose
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and "favicon" not in text and not any(e in text for e in self.expected):
            self.problems.append(text)
        if "Content Security Policy" in text:
            self.problems.append(text)

    def open(self, name: str) -> Any:
        self.page.goto(f"{self.server.url}/fixtures/{name}")
        self.page.wait_for_function("() => window.harness && window.harness.ready")
        return self.page

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"components-{name}.png"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def harness(component_browser: Any, component_server: StaticServer) -> Iterator[Harness]:
    opened = Harness(component_browser, component_server)
    yield opened
    opened.close()
    assert not opened.problems, opened.problems


def next_frames(page: Any, count: int = 2) -> None:
    page.evaluate(
        """(count) => new Promise((resolve) => {
             const step = (left) => left ? requestAnimationFrame(() => step(left - 1)) : resolve();
             step(count);
           })""",
        count,
    )


# --- the editor -----------------------------------------------------------------------------------
def test_editor_bundle_loads_and_highlights_python(harness: Harness) -> None:
    page = harness.open("editor.html")
    assert page.locator(".cm-editor").is_visible()
    assert page.locator(".cm-lineNumbers .cm-gutterElement", has_text="16").count() == 1
    colours = page.evaluate(
        """() => {
             const colour = (el) => el && getComputedStyle(el).color;
             const spans = [...document.querySelectorAll('.cm-line span')];
             const token = (text) => spans.find((s) => s.textContent === text);
             return {keyword: colour(token('def')), string: colour(token('"NIFTY"')),
                     number: colour(token('100')), plain: colour(document.querySelector('.cm-content'))};
           }"""
    )
    assert colours["keyword"] and colours["string"] and colours["number"], colours
    assert len({colours["keyword"], colours["string"], colours["plain"]}) == 3, colours
    harness.screenshot("editor-dark")


def test_editor_ctrl_s_saves_and_tracks_unsaved_changes(harness: Harness) -> None:
    page = harness.open("editor.html")
    page.evaluate(
        """() => window.addEventListener('keydown', (e) => {
             if (e.key === 's') window.__saveKeyPrevented = e.defaultPrevented;
           })"""
    )
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("# edited\n")
    assert page.locator("[data-dirty]").inner_text() == "unsaved changes"
    assert page.evaluate("harness.editor.isDirty()") is True

    page.keyboard.press("Control+s")
    saves = page.evaluate("harness.saves")
    assert len(saves) == 1 and saves[0].endswith("# edited\n")
    assert page.evaluate("window.__saveKeyPrevented") is True  # no browser "save page" dialog

    page.evaluate("harness.editor.markSaved()")
    assert page.locator("[data-dirty]").inner_text() == "saved"
    page.keyboard.type("x")
    assert page.evaluate("harness.editor.isDirty()") is True
    page.evaluate("harness.editor.resetToSaved()")
    assert page.evaluate("harness.editor.isDirty()") is False
    assert page.evaluate("harness.editor.getValue() === harness.editor.getSavedValue()")


def test_editor_read_only_blocks_typing_and_saving(harness: Harness) -> None:
    page = harness.open("editor.html")
    page.evaluate("harness.editor.setReadOnly(true)")
    before = page.evaluate("harness.editor.getValue()")
    page.locator(".cm-content").click()
    page.keyboard.type("import evil")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("harness.editor.getValue()") == before
    assert page.locator(".cm-content").get_attribute("aria-readonly") == "true"
    page.locator(".cm-content").click()  # Tab in a read-only editor moves focus on, as it should
    page.keyboard.press("Control+s")
    assert page.evaluate("[harness.saves.length, harness.readOnlySaves]") == [0, 1]

    page.evaluate("harness.editor.setReadOnly(false)")
    page.locator(".cm-content").click()
    page.keyboard.type("Z")
    assert "Z" in page.evaluate("harness.editor.getValue()")


def test_editor_indents_matches_brackets_and_searches(harness: Harness) -> None:
    page = harness.open("editor.html")
    page.evaluate("harness.editor.setValue('x = 1\\ny = (2 + 3)\\n', {saved: true})")
    page.locator(".cm-line").first.click()
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert page.evaluate("harness.editor.getValue().split('\\n')[0]") == "    x = 1"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("harness.editor.getValue().split('\\n')[0]") == "x = 1"

    # Cursor right after "(" on line 2: both brackets are marked.
    page.evaluate("harness.editor.view.dispatch({selection: {anchor: 'x = 1\\ny = ('.length}})")
    page.evaluate("harness.editor.focus()")
    next_frames(page)
    assert page.locator(".cm-matchingBracket").count() == 2

    page.keyboard.press("Control+f")
    search = page.locator(".cm-search input[name=search]")
    assert search.is_visible()
    search.fill("y =")
    search.press("Enter")
    assert page.locator(".cm-searchMatch").count() >= 1
    harness.screenshot("editor-search")


def test_editor_shows_an_error_at_its_line(harness: Harness) -> None:
    page = harness.open("editor.html")
    long_text = "\n".join(f"value_{i} = {i}" for i in range(1, 501)) + "\n"
    page.evaluate("(text) => harness.editor.setValue(text, {saved: true})", long_text)
    page.evaluate("harness.editor.showError(400, 11, 'SyntaxError: invalid syntax <script>x</script>')")
    next_frames(page)
    marked = page.locator(".cm-error-line")
    assert marked.count() == 1
    assert marked.inner_text() == "value_400 = 400"
    message = page.locator(".cm-error-message")
    assert message.inner_text() == "SyntaxError: invalid syntax <script>x</script>"  # shown as text
    assert page.locator(".cm-error-message script").count() == 0
    assert page.locator(".cm-error-column").inner_text() == "="
    # Scrolled into view and the cursor is on the line.
    box = marked.bounding_box()
    scroller = page.locator(".cm-scroller").bounding_box()
    assert box and scroller
    assert scroller["y"] <= box["y"] <= scroller["y"] + scroller["height"] - box["height"]
    cursor_line = "(({doc, selection}) => doc.lineAt(selection.main.head).number)(harness.editor.view.state)"
    assert page.evaluate(cursor_line) == 400
    assert page.evaluate("harness.editor.getError().line") == 400
    harness.screenshot("editor-error")

    page.evaluate("harness.editor.clearError()")
    next_frames(page)
    assert page.locator(".cm-error-line").count() == 0
    assert page.locator(".cm-error-message").count() == 0


def test_editor_theme_follows_the_app_toggle(harness: Harness) -> None:
    page = harness.open("editor.html")
    styles = """() => ({
        theme: document.getElementById('editor').dataset.editorTheme,
        background: getComputedStyle(document.querySelector('.cm-editor')).backgroundColor,
        keyword: getComputedStyle([...document.querySelectorAll('.cm-line span')]
                   .find((s) => s.textContent === 'def')).color,
    })"""
    dark = page.evaluate(styles)
    assert dark["theme"] == "dark"
    page.get_by_role("button", name="Toggle theme").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    light = page.evaluate(styles)
    assert light["theme"] == "light"
    assert light["background"] != dark["background"]
    assert light["keyword"] != dark["keyword"]
    harness.screenshot("editor-light")
    page.evaluate("harness.editor.setTheme('dark')")
    assert page.evaluate(styles) == dark


# --- the log viewer -------------------------------------------------------------------------------
def test_log_view_opens_100k_lines_with_a_small_dom(harness: Harness) -> None:
    page = harness.open("logview.html")
    page.evaluate("window.__lines = Array.from({length: 100000}, (_, i) => harness.makeLine(i))")
    next_frames(page, 3)
    started = page.evaluate(
        """async () => {
             const start = performance.now();
             harness.view.setLines(window.__lines);
             await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
             return start;
           }"""
    )
    assert page.evaluate("harness.view.lineCount()") == 100_000
    assert page.evaluate("harness.rowsInDom()") < 200
    # Following: the last line is on screen.
    last = page.locator(".logview-row[data-line='99999']")
    assert last.is_visible() and "IST] [stderr] Traceback line 99999" in last.inner_text()

    # Jump around: still few rows, and they are the right ones.
    for fraction in (0.0, 0.5, 0.25, 0.9):
        page.evaluate(
            "(f) => { const s = harness.view.element; s.scrollTop = f * (s.scrollHeight - s.clientHeight); }",
            fraction,
        )
        next_frames(page)
        state = page.evaluate("harness.view.visibleRange()")
        assert state["rows"] < 200
        first_text = page.locator(".logview-row").first.inner_text()
        assert f"{state['first']}" in first_text or "Traceback" in first_text
    long_tasks = page.evaluate("(start) => window.__longtasks.filter((t) => t.start >= start)", started)
    assert len(long_tasks) <= 1, long_tasks
    harness.screenshot("logview-100k")


def test_log_view_marks_stderr_and_never_renders_log_text_as_html(harness: Harness) -> None:
    page = harness.open("logview.html")
    page.evaluate("harness.fill(2000)")
    page.evaluate("harness.view.scrollToLine(495)")
    next_frames(page)
    script_row = page.locator(".logview-row[data-line='500']")
    assert '<script>alert("x")</script> order placed' in script_row.inner_text()
    assert page.locator(".logview script, .logview b").count() == 0
    assert page.locator(".logview-row[data-line='499']").get_attribute("class") == "logview-row is-stderr"
    assert "is-stderr" not in (page.locator(".logview-row[data-line='498']").get_attribute("class") or "")

    assert page.locator(".logview-row[data-line='0']").count() == 0  # scrolled away from the header
    page.evaluate("harness.view.scrollToLine(0)")
    next_frames(page)
    assert page.locator(".logview-row[data-line='0']").get_attribute("class") == "logview-row is-host"

    detected = page.evaluate(
        """async () => {
             const { classifyLine } = await import('/static/js/logview.js');
             return [
               '[2026-11-21 09:15:00.123 IST] [stderr] boom',
               '[2026-11-21 09:15:00.123 IST] [host] run started',
               '[2026-11-21 09:15:00.123 IST] printed [stderr] itself',
               '[2026-11-21 09:15:00.123 IST] ok',
               '2026-11-21 09:15:00.123 IST ERR | boom',
               '2026-11-21 09:15:00.123 IST STDERR | boom',
               '2026-11-21 09:15:00.123 IST | ERR in message',
               'plain line without a stamp',
             ].map(classifyLine);
           }"""
    )
    assert detected == ["stderr", "host", "stdout", "stdout", "stderr", "stderr", "stdout", "stdout"]
    # Objects with an explicit stream win over the text.
    page.evaluate("harness.view.append([{text: 'a', stderr: true}, {text: '[t] [stderr]', stream: 'host'}])")
    next_frames(page)
    count = page.evaluate("harness.view.lineCount()")
    kinds = page.evaluate(f"[harness.view.kindAt({count - 2}), harness.view.kindAt({count - 1})]")
    assert kinds == ["stderr", "host"]


def test_log_view_search_highlights_and_steps_through_matches(harness: Harness) -> None:
    page = harness.open("logview.html")
    page.evaluate("harness.fill(100000)")
    search = page.get_by_label("Search the log")
    search.fill("order placed")
    count = page.locator("[data-count]")
    page.wait_for_function("() => document.querySelector('[data-count]').textContent === '100 of 100'")
    marks = page.locator("mark.logview-match")
    assert marks.count() >= 1 and marks.first.inner_text() == "order placed"
    current = page.evaluate("harness.view.searchState().currentLine")
    assert current == 99500
    assert page.locator(".logview-row.is-current-match").get_attribute("data-line") == "99500"
    assert page.get_by_role("button", name="Following").count() == 0  # showing a match pauses follow

    search.press("Enter")  # next wraps around to the first match
    expect(count).to_have_text("1 of 100")
    next_frames(page)
    row = page.locator(".logview-row[data-line='500']")
    assert row.is_visible() and row.locator("mark.is-current").inner_text() == "order placed"
    search.press("Shift+Enter")
    expect(count).to_have_text("100 of 100")
    page.get_by_role("button", name="Previous match").click()
    next_frames(page)
    expect(count).to_have_text("99 of 100")
    assert page.locator(".logview-row[data-line='98500']").is_visible()
    harness.screenshot("logview-search")

    # Regular-expression characters and markup are searched for literally.
    search.fill('ValueError("bad <b>')
    page.wait_for_function("() => document.querySelector('[data-count]').textContent.endsWith(' of 10000')")
    assert page.locator(".logview b").count() == 0
    search.press("Escape")
    next_frames(page)
    assert page.locator("mark.logview-match").count() == 0
    expect(count).to_have_text("")


def test_log_view_follows_pauses_when_scrolled_up_and_resumes(harness: Harness) -> None:
    page = harness.open("logview.html")
    page.evaluate("harness.fill(5000)")
    page.evaluate("harness.feed(1000, 1)")
    next_frames(page)
    total = page.evaluate("harness.view.lineCount()")
    assert total >= 5900
    assert page.locator(f".logview-row[data-line='{total - 1}']").is_visible()
    follow = page.locator("[data-follow]")
    expect(follow).to_have_attribute("aria-pressed", "true")

    # The reader scrolls up while lines keep arriving: the view stays where they are.
    page.locator("#log").hover()
    page.mouse.wheel(0, -3000)
    page.wait_for_function("() => !harness.view.isFollowing()")
    next_frames(page)
    first_before = page.evaluate("harness.view.visibleRange().first")
    page.evaluate("harness.feed(1000, 0.5)")
    next_frames(page)
    assert page.evaluate("harness.view.visibleRange().first") == first_before
    expect(follow).to_have_attribute("aria-pressed", "false")
    assert follow.inner_text().startswith("Follow (") and "new)" in follow.inner_text()
    harness.screenshot("logview-paused")

    follow.click()
    next_frames(page)
    total = page.evaluate("harness.view.lineCount()")
    expect(follow).to_have_attribute("aria-pressed", "true")
    assert page.locator(f".logview-row[data-line='{total - 1}']").is_visible()

    # Scrolling back to the bottom by hand resumes following too.
    page.locator("#log").hover()
    page.mouse.wheel(0, -2000)
    page.wait_for_function("() => !harness.view.isFollowing()")
    page.evaluate("() => { const s = harness.view.element; s.scrollTop = s.scrollHeight; }")
    page.wait_for_function("() => harness.view.isFollowing()")


def test_log_view_caps_memory(harness: Harness) -> None:
    page = harness.open("logview.html")
    result = page.evaluate(
        """async () => {
             const { createLogView } = await import('/static/js/logview.js');
             const box = document.createElement('div');
             document.body.append(box);
             const view = createLogView(box, {maxLines: 1000});
             for (let i = 0; i < 5000; i += 1) view.append(`line ${i}`);
             await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
             const rows = box.querySelectorAll('.logview-row').length;
             return {count: view.lineCount(), last: view.getLine(view.lineCount() - 1), rows};
           }"""
    )
    assert 1000 <= result["count"] <= 2000
    assert result["last"] == "line 4999"
    assert result["rows"] < 200


# --- live updates ---------------------------------------------------------------------------------
def test_live_client_receives_server_sent_events_and_resumes_after_a_hidden_tab(
    harness: Harness, component_server: StaticServer
) -> None:
    page = harness.open("live.html")
    page.evaluate("harness.run('/sse/ok', {events: ['line']})")
    page.wait_for_function("() => harness.record.messages.length >= 3")
    record = page.evaluate("({messages: harness.record.messages, statuses: harness.record.statuses})")
    assert [m["data"] for m in record["messages"]] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert {m["transport"] for m in record["messages"]} == {"sse"}
    assert record["messages"][-1]["id"] == "3"
    assert "live" in record["statuses"]

    # A hidden tab closes the stream; showing it again re-opens it from the last event id.
    hide = """(hidden) => {
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }"""
    page.evaluate(hide, True)
    assert page.evaluate("harness.record.unsubscribe.status()") == "paused"
    page.evaluate(hide, False)
    page.wait_for_function("() => harness.record.messages.length >= 6")
    assert "/sse/ok?last_event_id=3" in component_server.requests

    page.evaluate("harness.record.unsubscribe()")
    assert page.evaluate("harness.record.unsubscribe.status()") == "closed"


def test_live_client_falls_back_to_polling_and_stops_on_unsubscribe(
    harness: Harness, component_server: StaticServer
) -> None:
    harness.expected.append("503 (Service Unavailable)")
    page = harness.open("live.html")
    page.evaluate("harness.run('/sse/refuse', {pollUrl: '/poll', pollIntervalMs: 100, sseRetryMs: 0})")
    page.wait_for_function("() => harness.record.messages.length >= 2")
    record = page.evaluate("(({messages, statuses, opens}) => ({messages, statuses, opens}))(harness.record)")
    assert record["opens"] == ["poll"]
    assert "polling" in record["statuses"]
    assert {m["transport"] for m in record["messages"]} == {"poll"}
    assert {m["type"] for m in record["messages"]} == {"snapshot"}
    assert record["messages"][0]["data"]["polls"] >= 1

    page.evaluate("harness.record.unsubscribe()")
    polls = sum(1 for path in component_server.requests if path.startswith("/poll"))
    page.wait_for_timeout(400)
    assert sum(1 for path in component_server.requests if path.startswith("/poll")) == polls


def test_live_client_polls_only_when_told_and_pauses_while_the_tab_is_hidden(
    harness: Harness, component_server: StaticServer
) -> None:
    page = harness.open("live.html")
    streams_before = sum(1 for path in component_server.requests if path.startswith("/sse"))
    page.evaluate("harness.run(null, {sse: false, pollUrl: '/poll?view=deliveries', pollIntervalMs: 100})")
    page.wait_for_function("() => harness.record.messages.length >= 2")
    record = page.evaluate("(({messages, statuses, opens}) => ({messages, statuses, opens}))(harness.record)")
    assert record["opens"] == ["poll"] and record["statuses"][0] == "polling"
    assert record["messages"][0]["data"]["query"] == {"view": ["deliveries"]}
    assert sum(1 for path in component_server.requests if path.startswith("/sse")) == streams_before

    hide = """(hidden) => {
        Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }"""
    page.evaluate(hide, True)
    assert page.evaluate("harness.record.unsubscribe.status()") == "paused"
    polls = sum(1 for path in component_server.requests if path.startswith("/poll"))
    page.wait_for_timeout(400)
    assert sum(1 for path in component_server.requests if path.startswith("/poll")) == polls
    page.evaluate(hide, False)
    page.wait_for_function(f"() => harness.record.messages.length >= {len(record['messages']) + 2}")
    assert page.evaluate("harness.record.unsubscribe.status()") == "polling"
    assert sum(1 for path in component_server.requests if path.startswith("/sse")) == streams_before
    page.evaluate("harness.record.unsubscribe()")
