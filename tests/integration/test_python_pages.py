"""The /python pages rendered by the server: the state they start with, escaping, 404s and login."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient

from tests.support.strategies import upload_ok

HTML = {"Accept": "text/html,application/xhtml+xml"}
HOSTILE = "<script>alert('x')</script> & </script><b>"


def json_block(html: str, block_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert match, f"no #{block_id} data block"
    return json.loads(match.group(1))


def test_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/python", "/python/new", "/python/edit/abc", "/python/logs/abc"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 302, path
        assert "/auth/login" in response.headers["Location"]


def test_the_dashboard_starts_with_every_strategy_and_escapes_their_names(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print('hi')\n", name=HOSTILE)
    html = admin_client.get("/python", headers=HTML).get_data(as_text=True)
    assert f'id="strategy-{strategy_id}"' in html
    assert "<script>alert" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;/script&gt;&lt;b&gt;" in html
    board = json_block(html, "python-board")
    [entry] = board["strategies"]
    assert entry["name"] == HOSTILE  # the data block holds the real text, safely encoded
    assert entry["actions"]["start"] is True and entry["actions"]["stop"] is False
    assert entry["badge"] == "stopped"
    assert 'data-action="stop" disabled' in html
    assert "1 strategy" in html


def test_the_empty_dashboard_leads_to_the_upload_page(admin_client: FlaskClient) -> None:
    html = admin_client.get("/python", headers=HTML).get_data(as_text=True)
    assert "No strategies yet" in html
    assert 'href="/python/new"' in html
    upload_page = admin_client.get("/python/new", headers=HTML).get_data(as_text=True)
    assert 'name="file"' in upload_page and 'name="name"' in upload_page
    assert json_block(upload_page, "schedule-defaults")["NSE"] == ["09:15", "15:30"]


def test_the_editor_starts_with_the_saved_script(admin_client: FlaskClient) -> None:
    source = "# </script><script>alert(1)</script>\nprint('hi')\n"
    strategy_id = upload_ok(admin_client, source, name="Editor")
    html = admin_client.get(f"/python/edit/{strategy_id}", headers=HTML).get_data(as_text=True)
    state = json_block(html, "editor-state")
    assert state["content"] == source
    assert state["entry"]["actions"]["edit"] is True
    assert "</script><script>alert(1)" not in html


def test_the_log_page_lists_runs_and_unknown_ids_are_404(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print('hi')\n", name="Logs")
    html = admin_client.get(f"/python/logs/{strategy_id}", headers=HTML).get_data(as_text=True)
    state = json_block(html, "log-state")
    assert state["id"] == strategy_id and state["runs"] == [] and state["lines"] == 100_000
    assert "No runs yet" in html
    for path in ("/python/edit/no-such-strategy", "/python/logs/no-such-strategy", "/python/edit/..%2Fetc"):
        response = admin_client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["Content-Type"]
