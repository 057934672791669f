"""A hosted script cannot reach the host's secrets: the keys (with them a session cookie can be
forged and every secure variable decrypted), the database, .env, other strategies' scripts and
logs, or the host process's environment. A normal script (pandas, the SDK, a subprocess, files in
its working folder) still works. The isolation in force is on the dashboard's status."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.confinement import landlock_abi
from tests.support.apps import build_app, host_of, post_json
from tests.support.strategies import log_lines, start, upload_ok, wait_log, wait_status

#: Tries every path a stolen secret could come from and prints what it could read.
HOSTILE = """
import json, os, sys
targets = json.loads(os.environ["TARGETS"])
found = {}
for name, path in targets.items():
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        found[name] = "READ"
    except OSError as error:
        found[name] = type(error).__name__
print("RESULT " + json.dumps(found), flush=True)
"""

NORMAL = """
import os, subprocess, pathlib
import pandas as pd
from openalgo import api
frame = pd.DataFrame({"close": [1.0, 2.0, 3.0]})
print("mean", frame["close"].mean(), flush=True)
print("date", subprocess.run(["date", "+%Y"], capture_output=True, text=True, check=True).stdout.strip())
pathlib.Path("state.json").write_text("{}")
print("state", pathlib.Path("state.json").read_text(), "in", os.getcwd() == os.environ["HOME"])
client = api(api_key=os.environ["OPENALGO_API_KEY"], host=os.environ["OPENALGO_HOST"])
print("sdk", type(client).__name__, flush=True)
"""


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(data_dir, start_background=True, strategy_tick_s=0.2)
    yield application
    host_of(application).shutdown()


def _targets(app: Flask, other: str) -> dict[str, str]:
    settings = host_of(app).settings
    (settings.data_dir / ".env").write_text("UPSTREAM_API_KEY=host-only\n")
    return {
        "secret_key": str(settings.keys_dir / ".secret_key"),
        "encryption_key": str(settings.keys_dir / ".encryption_key"),
        "database": str(settings.db_dir / "openalgo.db"),
        "dotenv": str(settings.data_dir / ".env"),
        "other_script": str(settings.strategies_dir / "scripts" / f"{other}.py"),
        "host_log": str(settings.log_dir / "app.log"),
        "host_environ": f"/proc/{os.getpid()}/environ",  # this test process is the host
    }


@pytest.mark.skipif(landlock_abi() == 0, reason="the kernel offers no Landlock here; skipped")
def test_a_hostile_script_reads_none_of_the_hosts_secrets(app: Flask, admin_client: FlaskClient) -> None:
    other = upload_ok(admin_client, "print('other')\n", name="Other")
    hostile = upload_ok(admin_client, HOSTILE, name="Hostile")
    targets = _targets(app, other)
    response = post_json(
        admin_client, f"/python/env/{hostile}", {"regular": {"TARGETS": json.dumps(targets)}}
    )
    assert response.status_code == 200
    start(admin_client, hostile)
    line = next(line for line in wait_log(admin_client, hostile, "RESULT ") if "RESULT " in line)
    found = json.loads(line.split("RESULT ", 1)[1])
    assert found == dict.fromkeys(targets, "PermissionError"), "\n".join(log_lines(admin_client, hostile))
    # Its own log and the host's other files were never readable to it: the run ended cleanly.
    assert wait_status(admin_client, hostile, "stopped")["exit_code"] == 0


def test_a_normal_script_still_works_in_its_own_folder(app: Flask, admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, NORMAL, name="Normal")
    start(admin_client, strategy_id)
    stopped = wait_status(admin_client, strategy_id, "stopped", timeout=60)
    text = "\n".join(log_lines(admin_client, strategy_id))
    assert stopped["exit_code"] == 0, text
    assert "mean 2.0" in text
    assert "date 20" in text
    assert "state {} in True" in text
    assert "sdk" in text
    settings = host_of(app).settings
    folder = settings.work_dir / strategy_id
    assert (folder / "state.json").exists()
    assert settings.data_dir not in folder.parents


def test_the_dashboard_says_how_scripts_are_isolated(admin_client: FlaskClient) -> None:
    page = admin_client.get("/python", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Isolation: " in page and "the host&#39;s files are private" in page
    isolation = admin_client.get("/python/status").get_json()["data"]["isolation"]
    assert "file modes" in isolation["layers"]
    assert isolation["summary"].endswith(".")
    if landlock_abi():
        assert "landlock" in isolation["layers"]
