"""The landing page summarises what the trader cares about first."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.support.apps import csrf_token

HTML = {"Accept": "text/html"}


def test_the_dashboard_summarises_the_hosted_strategies(admin_client: FlaskClient) -> None:
    page = admin_client.get("/", headers=HTML).get_data(as_text=True)
    assert "No strategies yet." in page
    upload = admin_client.post(
        "/python/upload",
        data={"name": "Demo <b>", "file": (io.BytesIO(b"print('hi')\n"), "demo.py")},
        headers={"X-CSRFToken": csrf_token(admin_client), "Accept": "application/json"},
    )
    assert upload.status_code == 201
    page = admin_client.get("/", headers=HTML).get_data(as_text=True)
    assert "0 of 1" in page
    assert "none scheduled" in page
    strategy_id = upload.get_json()["data"]["id"]
    scheduled = admin_client.post(
        f"/python/schedule/{strategy_id}",
        json={
            "schedule_start": "09:15",
            "schedule_stop": "15:30",
            "schedule_days": ["mon", "tue", "wed", "thu", "fri"],
        },
        headers={"X-CSRFToken": csrf_token(admin_client)},
    )
    assert scheduled.status_code == 200
    page = admin_client.get("/", headers=HTML).get_data(as_text=True)
    assert "Demo &lt;b&gt; · " in page and " 09:15 IST" in page
