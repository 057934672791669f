"""The /strategy pages rendered by the server: what each starts with, escaping of everything a
trader or a sender typed, the choices the forms offer, 404s and the login."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app
from tests.support.apps import build_app, host_of, make_settings, post_json, set_up_admin
from tests.support.clocks import ShiftedClock, next_trading_moment

HTML = {"Accept": "text/html,application/xhtml+xml"}
HOSTILE = "<script>alert('x')</script> & </script><b>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;/script&gt;&lt;b&gt;"


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def json_block(html: str, block_id: str) -> Any:
    match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
    assert match, f"no #{block_id} data block"
    return json.loads(match.group(1))


def create(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = post_json(client, "/strategy/api/strategies", fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json()["data"])


def test_pages_need_a_login(client: FlaskClient) -> None:
    for path in ("/strategy", "/strategy/new", "/strategy/1"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 302, path
        assert "/auth/login" in response.headers["Location"]


def test_the_empty_list_leads_to_the_new_page(admin_client: FlaskClient) -> None:
    html = page(admin_client, "/strategy")
    assert "No strategies yet" in html
    assert 'href="/strategy/new"' in html
    assert '<a href="/strategy" aria-current="page">Strategies</a>' in html  # the navigation entry


def test_the_list_shows_every_strategy_with_its_last_delivery(admin_client: FlaskClient) -> None:
    quiet = create(admin_client, name="Quiet", trading_mode="BOTH", is_intraday=False)
    busy = create(admin_client, name=HOSTILE, trading_mode="SHORT")
    admin_client.post(f"/strategy/webhook/{busy['webhook_id']}", data=b'{"symbol": "SBIN", "action": "SELL"}')
    html = page(admin_client, "/strategy")
    assert "No strategies yet" not in html
    assert ESCAPED in html and "<script>alert" not in html and "<b>" not in html
    for strategy in (quiet, busy):
        assert f'href="/strategy/{strategy["id"]}"' in html
        assert f'data-toggle-active="{strategy["id"]}" checked' in html
    row = html[html.index(f'data-strategy="{busy["id"]}"') :]
    assert "SHORT" in row[:2000] and "Paper (sandbox)" in row[:2000]
    assert 'class="badge rejected"' in row[:3000]  # SBIN is not mapped: the delivery was refused
    quiet_row = html[html.index(f'data-strategy="{quiet["id"]}"') :]
    assert "none yet" in quiet_row[:3000] and "BOTH" in quiet_row[:3000]


def test_the_new_page_offers_exchanges_modes_times_and_the_venues_this_host_has(
    admin_client: FlaskClient,
) -> None:
    html = page(admin_client, "/strategy/new")
    for exchange in ("NSE", "NFO", "MCX", "CRYPTO"):
        assert f'<option value="{exchange}"' in html
    for mode in ("LONG", "SHORT", "BOTH"):
        assert f'name="trading_mode" value="{mode}"' in html
    assert "Long and short: each alert names the position to reach (position_size)." in html
    assert re.search(r'value="LONG"\s+checked', html)
    for name, value in (("start_time", "09:15"), ("end_time", "15:00"), ("squareoff_time", "15:15")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', html, re.S), name
    assert json_block(html, "window-defaults")["MCX"] == ["09:00", "23:25", "23:40"]
    assert json_block(html, "window-defaults")["CRYPTO"] == ["00:00", "23:30", "23:45"]
    # Only the sandbox here: live is shown, disabled, with what it needs.
    assert re.search(r'value="sandbox"\s+checked', html)
    assert re.search(r'value="live"\s+disabled', html)
    assert "Needs an upstream OpenAlgo server: set UPSTREAM_HOST and UPSTREAM_API_KEY" in html


def test_the_live_venue_is_offered_when_an_upstream_server_is_configured(tmp_path: Path) -> None:
    app = build_app(tmp_path / "data", upstream_host="http://127.0.0.1:9", upstream_api_key="k" * 64)
    try:
        client = app.test_client()
        set_up_admin(client)
        html = page(client, "/strategy/new")
        assert re.search(r'value="live"\s+aria-describedby', html)
        assert "Needs an upstream OpenAlgo server" not in html
    finally:
        host_of(app).shutdown()


def test_a_strategy_page_starts_with_its_url_messages_and_deliveries(admin_client: FlaskClient) -> None:
    strategy = create(admin_client, name=HOSTILE, trading_mode="LONG", is_intraday=False)
    hostile_alert = b'{"symbol": "</script><script>alert(1)</script>", "action": "BUY"}'
    admin_client.post(f"/strategy/webhook/{strategy['webhook_id']}", data=hostile_alert)
    html = page(admin_client, f"/strategy/{strategy['id']}")

    assert "</script><script>alert" not in html and "<script>alert" not in html
    assert f'<h1 data-strategy-field="name">{ESCAPED}</h1>' in html
    assert f'value="{strategy["webhook_url"]}"' in html
    state = json_block(html, "strategy-state")
    assert state["strategy"]["name"] == HOSTILE and state["deliveries_limit"] == 50
    # The alert messages of its mode are shown, the other modes' are there but hidden.
    assert '<div class="samples" data-samples-for="LONG" >' in html
    assert '<div class="samples" data-samples-for="BOTH" hidden>' in html
    assert "&#34;action&#34;: &#34;{{strategy.order.action}}&#34;" in html
    # The refused alert, its body escaped inside <pre>.
    [delivery] = admin_client.get(f"/strategy/api/strategies/{strategy['id']}/deliveries").get_json()["data"][
        "deliveries"
    ]
    assert f'id="delivery-{delivery["id"]}"' in html
    assert '<span class="badge rejected" data-field="result">rejected</span>' in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Positional: no MIS for its mappings; the intraday times are kept but hidden.
    assert re.search(r'value="MIS" data-intraday-only hidden disabled', html)
    assert re.search(r"data-intraday-times hidden disabled", html)
    assert "data-mappings-empty >No symbols yet" in html


def test_an_unknown_strategy_is_a_404_page(admin_client: FlaskClient) -> None:
    for path in ("/strategy/999", "/strategy/abc"):
        response = admin_client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["Content-Type"]


def test_a_strategy_page_shows_its_mappings_and_each_delivery_with_its_orders(tmp_path: Path) -> None:
    # A running host on a trading morning, so an alert is acted on and its order placed.
    settings = make_settings(tmp_path / "data", start_background=True, order_rate_limit="1000 per second")
    app = create_app(settings, clock=ShiftedClock(next_trading_moment(10)))
    try:
        assert host_of(app).venue.master_contract.wait_ready(60)
        client = app.test_client()
        set_up_admin(client)
        strategy = create(client, name="Both ways", trading_mode="BOTH")
        mapping = {"symbol": "SBIN", "exchange": "NSE", "quantity": 1, "product": "MIS"}
        assert (
            post_json(client, f"/strategy/api/strategies/{strategy['id']}/symbols", mapping).status_code
            == 201
        )
        alert = b'{"symbol": "SBIN", "action": "BUY", "position_size": "3"}'
        first = client.post(f"/strategy/webhook/{strategy['webhook_id']}", data=alert).get_json()
        again = client.post(f"/strategy/webhook/{strategy['webhook_id']}", data=alert).get_json()
        assert first["result"] == "accepted" and again["result"] == "duplicate", (first, again)
        [order] = first["orders"]
        assert order["status"] == "placed", order

        html = page(client, f"/strategy/{strategy['id']}")
        assert 'aria-label="Remove SBIN on NSE"' in html and "data-mappings-empty hidden" in html
        assert re.search(r'value="MIS" data-intraday-only\s+selected', html)  # intraday: MIS first
        assert html.count("BUY to position 3 · SBIN NSE MIS") == 2  # the order, under both deliveries
        assert '<span class="badge placed" data-order-field="status">placed</span>' in html
        assert order["orderid"] in html
        assert f'href="#delivery-{first["delivery_id"]}" >Go to #{first["delivery_id"]}</a>' in html
        assert html.index(f'id="delivery-{again["delivery_id"]}"') < html.index(
            f'id="delivery-{first["delivery_id"]}"'
        )  # newest first
        assert re.search(r"data-next-squareoff\s*>", html)  # an active intraday strategy squares off

        listing = page(client, "/strategy")
        row = listing[listing.index(f'data-strategy="{strategy["id"]}"') :]
        assert re.search(r'data-label="Symbols" class="num">1</td>', row)
        assert 'class="badge duplicate"' in row
    finally:
        host_of(app).shutdown()
