"""`python app.py` really serves with waitress and stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import LiveServer
from tests.support.net import free_port


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_app_serves_and_shuts_down_cleanly(tmp_path: Path, sig: int) -> None:
    server = LiveServer(tmp_path / "data", free_port()).start()
    try:
        response = httpx.get(server.url + "/auth/setup")
        assert response.status_code == 200
        assert response.headers["Server"] == "openalgo-host"
        assert '<meta name="csrf-token"' in response.text
    finally:
        code = server.stop(sig)
    assert code == 0, server.output()
    assert "OpenAlgo Strategy Host stopped." in server.output()


def test_invalid_settings_stop_the_start_with_a_readable_message(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", free_port(), env={"FLASK_PORT": "not-a-port"})
    with pytest.raises(RuntimeError, match="FLASK_PORT='not-a-port': expected a whole number"):
        server.start(timeout=20)


def test_an_inconsistent_broker_configuration_is_a_readable_one_line_refusal(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", free_port(), env={"BROKER": "upstream"})
    with pytest.raises(RuntimeError) as caught:
        server.start(timeout=20)
    assert "UPSTREAM_HOST" in str(caught.value)
    assert "Traceback" not in server.output()
