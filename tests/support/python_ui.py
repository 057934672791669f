"""Helpers for the browser tests of the ``/python`` pages: a logged-in page on a live host, an API
session beside it for set-up, and the page problems (script errors, CSP violations) it collected."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.browser import screenshot_path
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.strategies import wait_until

#: Prints a numbered line every 0.1 s; every fifth also on stderr. Runs until stopped.
TICKER = """\
import sys
import time

i = 0
while True:
    i += 1
    print(f"tick {i}", flush=True)
    if i % 5 == 0:
        print(f"warning {i}", file=sys.stderr, flush=True)
    time.sleep(0.1)
"""

#: Runs until a stop; the host's SIGTERM ends it at once.
SLEEPER = """\
import time

print("started", flush=True)
while True:
    time.sleep(0.2)
"""

#: Lives for about two seconds, then crashes with exit code 3.
CRASHER = """\
import sys
import time

print("about to crash", flush=True)
time.sleep(2.0)
print("giving up", file=sys.stderr, flush=True)
raise SystemExit(3)
"""

# Records every Server-Sent Event the page receives, so tests can look inside live streams too.
SSE_RECORDER = """
(() => {
  window.__sse = [];
  const Original = window.EventSource;
  if (!Original) return;
  window.EventSource = class extends Original {
    addEventListener(type, listener, options) {
      super.addEventListener(type, (event) => {
        if (event && typeof event.data === "string") window.__sse.push(event.data);
        listener(event);
      }, options);
    }
  };
})();
"""


@dataclass
class PythonUI:
    """A browser page logged in to a live host, plus an API session for set-up and checks."""

    server: LiveServer
    page: Any
    api: LoggedInSession
    problems: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    # Navigation -------------------------------------------------------------------------------
    def goto(self, path: str) -> Any:
        self.page.goto(self.url + path)
        return self.page

    def dashboard(self) -> Any:
        page = self.goto("/python")
        page.wait_for_function("() => document.documentElement.dataset.dashboardReady === 'true'")
        page.locator("[data-live-state][data-state='live']").wait_for()
        return page

    def card(self, strategy_id: str) -> Any:
        return self.page.locator(f"#strategy-{strategy_id}")

    def screenshot(self, name: str, *, full_page: bool = False) -> None:
        self.page.screenshot(path=str(screenshot_path(name)), full_page=full_page)

    # Set-up through the API -------------------------------------------------------------------
    def upload(self, source: str, name: str = "Test strategy", file_name: str = "strategy.py") -> str:
        response = self.api.client.post(
            "/python/upload",
            data={"name": name},
            files={"file": (file_name, source.encode("utf-8"), "text/x-python")},
            headers={"X-CSRFToken": self.api.csrf()},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def start(self, strategy_id: str) -> None:
        response = self.api.post(f"/python/start/{strategy_id}")
        assert response.status_code == 200, response.text

    def stop(self, strategy_id: str) -> None:
        response = self.api.post(f"/python/stop/{strategy_id}")
        assert response.status_code == 200, response.text

    def entry(self, strategy_id: str) -> dict[str, Any]:
        for item in self.api.get("/python/status").json()["data"]["strategies"]:
            if item["id"] == strategy_id:
                return dict(item)
        raise AssertionError(f"{strategy_id} is not in /python/status")

    def wait_status(self, strategy_id: str, status: str, timeout: float = 30.0) -> dict[str, Any]:
        return dict(
            wait_until(
                lambda: (item := self.entry(strategy_id))["status"] == status and item,
                timeout,
                interval=0.05,
                what=f"{strategy_id} to be {status}",
            )
        )

    def wait_log(self, strategy_id: str, text: str, timeout: float = 30.0) -> None:
        def found() -> bool:
            lines = self.api.get(f"/python/logs/{strategy_id}/tail?lines=500").json()["data"]["lines"]
            return any(text in line for line in lines)

        wait_until(found, timeout, interval=0.05, what=f"{text!r} in the log")

    # The page ---------------------------------------------------------------------------------
    def confirm(self, answer: bool = True) -> str:
        """Answer the open confirmation dialog (static/js/ui.js confirmAction); returns its text."""
        dialog = self.page.locator("dialog.confirm-dialog[open]")
        dialog.wait_for()
        text = str(dialog.locator(".confirm-message").inner_text())
        dialog.locator("button[value='ok']" if answer else "button[value='cancel']").click()
        dialog.wait_for(state="detached")
        return text

    def no_reload_marker(self) -> Callable[[], bool]:
        """Mark the current document; the returned check is True while it is still the same one."""
        self.page.evaluate("window.__sameDocument = true")
        return lambda: bool(self.page.evaluate("window.__sameDocument === true"))

    def assert_no_problems(self) -> None:
        assert self.problems == [], self.problems


def open_ui(server: LiveServer, page: Any, *, record_sse: bool = False) -> PythonUI:
    """Create the admin, log the browser in through the login form, collect page problems."""
    api = LoggedInSession(server.url)
    api.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
    ui = PythonUI(server, page, api)
    if record_sse:
        page.context.add_init_script(SSE_RECORDER)
    page.on("pageerror", lambda error: ui.problems.append(f"page error: {error}"))
    page.on("console", lambda message: _console(ui, message))
    page.goto(server.url + "/auth/login")
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/")
    return ui


def _console(ui: PythonUI, message: Any) -> None:
    text = str(message.text)
    # Failed requests are logged by the browser itself; tests provoke some (400, 409) on purpose
    # and check what the page shows instead.
    unexpected_error = message.type == "error" and "Failed to load resource" not in text
    if unexpected_error or "Content Security Policy" in text:
        ui.problems.append(text)


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll a browser-side condition from the test (for values Playwright cannot wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
