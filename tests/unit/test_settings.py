from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import ConfigurationError
from services.settings import Settings


def test_defaults_need_no_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, dotenv_path=tmp_path / "none.env")
    assert settings.host_ip == "127.0.0.1"
    assert settings.port == 5000
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("db/openalgo.db")


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("FLASK_PORT=6001\nLOG_LEVEL=debug\n")
    settings = Settings.from_env(environ={"FLASK_PORT": "7002"}, dotenv_path=dotenv)
    assert settings.port == 7002
    assert settings.log_level == "DEBUG"


def test_every_invalid_value_is_reported_readably(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(
            environ={"FLASK_PORT": "seventy", "LOG_LEVEL": "loud", "START_BACKGROUND": "maybe"},
            dotenv_path=tmp_path / "none.env",
        )
    message = caught.value.message
    assert "FLASK_PORT='seventy': expected a whole number between 0 and 65535" in message
    assert "LOG_LEVEL='loud'" in message
    assert "START_BACKGROUND='maybe'" in message


def test_out_of_range_port_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="must be between 0 and 65535"):
        Settings.from_env(environ={"FLASK_PORT": "70000"}, dotenv_path=tmp_path / "none.env")


def test_data_dir_holds_the_runtime_folders(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={"DATA_DIR": str(tmp_path / "d")}, dotenv_path=tmp_path / "x")
    settings.ensure_dirs()
    for name in ("strategies/scripts", "log", "keys", "db"):
        assert (tmp_path / "d" / name).is_dir()
    assert (tmp_path / "d" / "keys").stat().st_mode & 0o777 == 0o700


def test_every_setting_is_documented() -> None:
    documented = Settings.documented()
    assert {name for name, _default, _doc in documented} >= {"FLASK_HOST_IP", "FLASK_PORT", "DATA_DIR"}
    assert all(doc for _name, _default, doc in documented)


def test_live_streams_cannot_take_every_server_thread(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="STREAM_MAX_CONCURRENT=40: must leave at least 8"):
        Settings.from_env(
            environ={"WAITRESS_THREADS": "40", "STREAM_MAX_CONCURRENT": "40"}, dotenv_path=tmp_path / "x"
        )


def test_auth_settings_are_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(
            environ={
                "TRUSTED_PROXY": "the-proxy",
                "LOGIN_RATE_LIMIT": "lots",
                "PASSWORD_HASH_CONCURRENCY": "0",
            },
            dotenv_path=tmp_path / "none.env",
        )
    message = caught.value.message
    assert "TRUSTED_PROXY='the-proxy': expected the proxy's IP address" in message
    assert "LOGIN_RATE_LIMIT='lots': expected a rate" in message
    assert "PASSWORD_HASH_CONCURRENCY='0'" in message
    proxied = Settings.from_env(environ={"TRUSTED_PROXY": " 10.0.0.2 "}, dotenv_path=tmp_path / "none.env")
    assert proxied.trusted_proxy == "10.0.0.2"
    assert proxied.max_request_body_size == proxied.max_content_length + 1024 * 1024
