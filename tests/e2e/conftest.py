"""Browser-tier fixtures: a live host on a free port and a Playwright page in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_browser
from tests.support.live_server import LiveServer
from tests.support.net import free_port


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "data", free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium_browser() as instance:
        yield instance


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
