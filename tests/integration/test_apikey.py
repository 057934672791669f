from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import api_key_of, host_of, post_json


def test_setup_issues_a_key_shown_on_the_page(admin_client: FlaskClient, app: Flask) -> None:
    key = api_key_of(app)
    page = admin_client.get("/apikey", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert key in page


def test_regeneration_returns_a_new_key_and_the_old_one_stops_working(
    admin_client: FlaskClient, app: Flask
) -> None:
    keys = host_of(app).api_keys
    old = api_key_of(app)
    assert keys.owner_of(old) is not None

    response = post_json(admin_client, "/apikey")
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True
    new = body["data"]["api_key"]
    assert new != old and len(new) == 64
    assert keys.owner_of(old) is None
    assert keys.owner_of(new) is not None
    assert api_key_of(app) == new


def test_the_key_is_stored_hashed_and_encrypted_never_in_plaintext(
    admin_client: FlaskClient, app: Flask
) -> None:
    key = api_key_of(app)
    with host_of(app).db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT key_digest, key_encrypted FROM api_keys").all()
    assert len(rows) == 1
    assert key not in rows[0][0] and key not in rows[0][1]
