"""The /python JSON API on a real app: uploads, scripts, variables, settings, delete, status.

Every refused request gets its 4xx and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from database.models import PythonStrategyVariable
from tests.support.apps import build_app, host_of, post_json, set_up_admin
from tests.support.strategies import entry, start, stop, upload, upload_ok, wait_status

LOOPING = "import time\nprint('up', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
SECRET = "s3cr3t-broker-pin-9f8e7d"


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(data_dir, start_background=True, strategy_stop_grace_s=0.5, strategy_tick_s=0.2)
    yield application
    host_of(application).shutdown()


def scripts_dir(app: Flask) -> Path:
    return host_of(app).settings.strategies_dir / "scripts"


def snapshot(app: Flask, client: FlaskClient) -> tuple[list[dict[str, Any]], list[str]]:
    """What a refused request must not change: the strategy list and the files on disk."""
    strategies = client.get("/python/status").get_json()["data"]["strategies"]
    files = sorted(str(p.relative_to(scripts_dir(app))) for p in scripts_dir(app).rglob("*") if p.is_file())
    return [
        {k: v for k, v in s.items() if k not in {"uptime_s", "cpu_percent", "rss_mb"}} for s in strategies
    ], files


# Upload ----------------------------------------------------------------------------------------------
def test_upload_stores_the_script_under_a_server_made_id(app: Flask, admin_client: FlaskClient) -> None:
    response = upload(admin_client, "print('hi')\n", name="  My <EMA> strategy  ", file_name="ema.py")
    assert response.status_code == 201
    data = response.get_json()["data"]
    assert data["name"] == "My <EMA> strategy"
    assert data["status"] == "stopped"
    assert data["exchange"] == "NSE"
    assert (scripts_dir(app) / f"{data['id']}.py").read_text() == "print('hi')\n"
    again = upload(admin_client, "print('hi')\n", name="  My <EMA> strategy  ", file_name="ema.py")
    assert again.get_json()["data"]["id"] != data["id"]  # same file, same second: two strategies


@pytest.mark.parametrize(
    ("case", "status", "field"),
    [
        ({"file_name": "ema.txt"}, 400, "file"),
        ({"source": b"x = 1\x00\n"}, 400, "file"),
        ({"source": "print('é')\n".encode("latin-1")}, 400, "file"),
        ({"source": b"def f(:\n    pass\n"}, 400, "file"),
        ({"source": b"#" * (1024 * 1024 + 1)}, 413, "file"),
        ({"name": "   "}, 400, "name"),
        ({"name": "n" * 101}, 400, "name"),
        ({"exchange": "NYSE"}, 400, "exchange"),
        ({"file_name": "invoice\u202eyp.txt.py"}, 400, "file"),
        ({"file_name": "ema\u200b.py"}, 400, "file"),
        ({"name": "EMA \u202eesrever"}, 400, "name"),
    ],
    ids=[
        "not-py",
        "nul",
        "latin1",
        "syntax",
        "too-large",
        "blank-name",
        "long-name",
        "exchange",
        "rtl-override-file",
        "zero-width-file",
        "rtl-override-name",
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    app: Flask, admin_client: FlaskClient, case: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot(app, admin_client)
    response = upload(
        admin_client,
        case.get("source", b"print(1)\n"),
        name=case.get("name", "Valid"),
        file_name=case.get("file_name", "ok.py"),
        **({"exchange": case["exchange"]} if "exchange" in case else {}),
    )
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is False
    assert field in body["data"]["fields"]
    assert snapshot(app, admin_client) == before


def test_a_syntax_error_reports_line_and_column(admin_client: FlaskClient) -> None:
    body = upload(admin_client, "x = 1\nif x\n    pass\n").get_json()
    assert body["data"]["line"] == 2
    assert body["data"]["column"] == 5


def test_an_upload_without_a_file_is_refused(admin_client: FlaskClient) -> None:
    response = post_json(admin_client, "/python/upload", {"name": "x"})
    assert response.status_code == 400


# Scripts -----------------------------------------------------------------------------------------
def test_save_keeps_a_backup_and_refuses_bad_syntax_and_running_strategies(
    app: Flask, admin_client: FlaskClient
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    saved = post_json(admin_client, f"/python/save/{strategy_id}", {"content": "print('v2')\n"})
    assert saved.status_code == 200
    script = admin_client.get(f"/python/script/{strategy_id}").get_json()["data"]
    assert script["content"] == "print('v2')\n"
    assert script["read_only"] is False
    backups = list((scripts_dir(app) / ".backups" / strategy_id).glob("*.py"))
    assert [b.read_text() for b in backups] == [LOOPING]

    bad = post_json(admin_client, f"/python/save/{strategy_id}", {"content": "print('v3'\n"})
    assert bad.status_code == 400
    assert bad.get_json()["data"]["line"] == 1
    assert post_json(admin_client, f"/python/save/{strategy_id}", {"content": 5}).status_code == 400
    assert (
        post_json(
            admin_client, f"/python/save/{strategy_id}", {"content": "#" * (1024 * 1024 + 1)}
        ).status_code
        == 413
    )
    assert (scripts_dir(app) / f"{strategy_id}.py").read_text() == "print('v2')\n"

    post_json(admin_client, f"/python/save/{strategy_id}", {"content": LOOPING})
    start(admin_client, strategy_id)
    assert admin_client.get(f"/python/script/{strategy_id}").get_json()["data"]["read_only"] is True
    assert (
        post_json(admin_client, f"/python/save/{strategy_id}", {"content": "print(3)\n"}).status_code == 409
    )
    assert (scripts_dir(app) / f"{strategy_id}.py").read_text() == LOOPING
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_export_downloads_the_current_file(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print('export me')\n", file_name="my_strategy.py")
    response = admin_client.get(f"/python/export/{strategy_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "my_strategy.py" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == "print('export me')\n"


def test_unknown_and_malformed_ids_are_404(admin_client: FlaskClient) -> None:
    for url in [
        "/python/export/nope-123",
        "/python/env/nope-123",
        "/python/script/..%2Fkeys",
        "/python/settings/X",
    ]:
        assert admin_client.get(url).status_code == 404, url
    for url in [
        "/python/start/nope-123",
        "/python/stop/nope-123",
        "/python/delete/nope-123",
        "/python/clear-error/a",
    ]:
        assert post_json(admin_client, url).status_code == 404, url


# Variables -----------------------------------------------------------------------------------------
def test_variables_round_trip_without_ever_returning_a_secret(app: Flask, admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print(1)\n")
    assert admin_client.get(f"/python/env/{strategy_id}").get_json()["data"] == {"regular": {}, "secure": []}
    response = post_json(
        admin_client,
        f"/python/env/{strategy_id}",
        {
            "regular": {"SYMBOL": "SBIN", "QTY": "10"},
            "secure": {"BROKER_PIN": SECRET, "TOKEN": "t0k3n-value"},
        },
    )
    assert response.status_code == 200
    assert SECRET not in response.get_data(as_text=True)
    view = admin_client.get(f"/python/env/{strategy_id}").get_json()["data"]
    assert view == {"regular": {"QTY": "10", "SYMBOL": "SBIN"}, "secure": ["BROKER_PIN", "TOKEN"]}

    # regular replaces all regular variables; unnamed secrets are kept; null deletes one.
    post_json(
        admin_client, f"/python/env/{strategy_id}", {"regular": {"SYMBOL": "TCS"}, "secure": {"TOKEN": None}}
    )
    view = admin_client.get(f"/python/env/{strategy_id}").get_json()["data"]
    assert view == {"regular": {"SYMBOL": "TCS"}, "secure": ["BROKER_PIN"]}

    with host_of(app).db.session() as session:
        stored = session.scalars(select(PythonStrategyVariable.value)).all()
    assert SECRET not in stored  # encrypted at rest
    for text in [admin_client.get("/python/status").get_data(as_text=True), _app_log(app)]:
        assert SECRET not in text


def _app_log(app: Flask) -> str:
    return (host_of(app).settings.log_dir / "app.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "payload",
    [
        {"regular": {"PATH": "/tmp"}},
        {"regular": {"LD_PRELOAD": "x.so"}},
        {"regular": {"PYTHONSTARTUP": "x"}},
        {"secure": {"OPENALGO_API_KEY": "x"}},
        {"regular": {"9LIVES": "x"}},
        {"regular": {"BAD-NAME": "x"}},
        {"regular": {"BIG": "v" * 4097}},
        {"regular": {"A": "1"}, "secure": {"A": "2"}},
        {"regular": "SYMBOL=SBIN"},
        {"regular": {"OK": "1"}, "colour": "red"},
    ],
    ids=[
        "PATH",
        "LD_",
        "PYTHON",
        "injected",
        "digit",
        "dash",
        "too-long",
        "both",
        "not-object",
        "unknown-key",
    ],
)
def test_bad_variables_are_refused_and_change_nothing(
    admin_client: FlaskClient, payload: dict[str, Any]
) -> None:
    strategy_id = upload_ok(admin_client, "print(1)\n")
    post_json(admin_client, f"/python/env/{strategy_id}", {"regular": {"KEEP": "me"}, "secure": {"PIN": "1"}})
    response = post_json(admin_client, f"/python/env/{strategy_id}", payload)
    assert response.status_code == 400
    view = admin_client.get(f"/python/env/{strategy_id}").get_json()["data"]
    assert view == {"regular": {"KEEP": "me"}, "secure": ["PIN"]}


def test_variables_cannot_change_while_running(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    start(admin_client, strategy_id)
    response = post_json(admin_client, f"/python/env/{strategy_id}", {"regular": {"A": "1"}})
    assert response.status_code == 409
    assert admin_client.get(f"/python/env/{strategy_id}").get_json()["data"]["regular"] == {}
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


# Settings, delete, status ------------------------------------------------------------------------
def test_settings_are_validated_and_the_exchange_is_fixed_while_running(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    url = f"/python/settings/{strategy_id}"
    changed = post_json(
        admin_client, url, {"exchange": "nfo", "restart_on_crash": True, "memory_limit_mb": 512}
    )
    assert changed.status_code == 200
    assert changed.get_json()["data"]["exchange"] == "NFO"
    assert post_json(admin_client, url, {"stop_signal": "SIGKILL"}).status_code == 400
    assert post_json(admin_client, url, {"name": ""}).status_code == 400
    current = admin_client.get(url).get_json()["data"]
    assert current == {
        "id": strategy_id,
        "name": "Test strategy",
        "exchange": "NFO",
        "restart_on_crash": True,
        "stop_signal": "SIGTERM",
        "memory_limit_mb": 512,
    }
    start(admin_client, strategy_id)
    assert post_json(admin_client, url, {"exchange": "MCX"}).status_code == 409
    assert post_json(admin_client, url, {"stop_signal": "SIGINT", "name": "Renamed"}).status_code == 200
    assert entry(admin_client, strategy_id)["name"] == "Renamed"
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_delete_removes_everything_and_is_refused_while_running(
    app: Flask, admin_client: FlaskClient
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    post_json(admin_client, f"/python/env/{strategy_id}", {"regular": {"A": "1"}, "secure": {"B": "2"}})
    post_json(admin_client, f"/python/save/{strategy_id}", {"content": LOOPING})  # makes a backup
    start(admin_client, strategy_id)
    assert post_json(admin_client, f"/python/delete/{strategy_id}").status_code == 409  # starting
    wait_status(admin_client, strategy_id, "running")
    assert post_json(admin_client, f"/python/delete/{strategy_id}").status_code == 409  # running
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")
    log_dir = host_of(app).settings.log_dir / "strategies" / strategy_id
    assert log_dir.is_dir()

    assert post_json(admin_client, f"/python/delete/{strategy_id}").status_code == 200
    assert all(
        s["id"] != strategy_id for s in admin_client.get("/python/status").get_json()["data"]["strategies"]
    )
    assert not (scripts_dir(app) / f"{strategy_id}.py").exists()
    assert not (scripts_dir(app) / ".backups" / strategy_id).exists()
    assert not log_dir.exists()
    with host_of(app).db.session() as session:
        assert session.scalars(select(PythonStrategyVariable)).all() == []
    assert admin_client.get(f"/python/env/{strategy_id}").status_code == 404


def test_status_has_the_designed_shape(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    assert start(admin_client, strategy_id).get_json()["data"]["status"] == "starting"
    wait_status(admin_client, strategy_id, "running")
    data = admin_client.get("/python/status").get_json()["data"]
    assert data["master_contract"]["ready"] in {True, False}
    assert data["now_ist"].endswith("+05:30")
    item = data["strategies"][0]
    for key in (
        "id", "name", "status", "pid", "scheduled", "next_start", "next_stop", "last_started",
        "last_stopped", "exit_code", "error", "cpu_percent", "rss_mb", "uptime_s", "exchange",
        "restart_on_crash", "stop_signal", "memory_limit_mb", "last_lines",
    ):  # fmt: skip
        assert key in item, key
    assert item["status"] == "running"
    assert item["pid"] > 0
    assert item["last_started"].endswith("+05:30")
    assert post_json(admin_client, f"/python/clear-error/{strategy_id}").status_code == 409
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_stop_all_is_the_kill_switch(admin_client: FlaskClient) -> None:
    ids = [upload_ok(admin_client, LOOPING, name=f"S{i}") for i in range(3)]
    for strategy_id in ids:
        start(admin_client, strategy_id)
    response = post_json(admin_client, "/python/stop-all")
    assert response.get_json()["data"]["stopped"] == 3
    for strategy_id in ids:
        wait_status(admin_client, strategy_id, "stopped")


def test_the_api_answers_503_when_the_supervisor_is_not_running(tmp_path: Path) -> None:
    idle = build_app(tmp_path / "idle")  # background work not started
    try:
        client = idle.test_client()
        set_up_admin(client)
        strategy_id = upload_ok(client, "print(1)\n")
        response = start(client, strategy_id)
        assert response.status_code == 503
        assert entry(client, strategy_id)["status"] == "stopped"
    finally:
        host_of(idle).shutdown()
