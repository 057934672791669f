"""What the host accepts for a strategy: names, ids, scripts, settings, variables, environment."""

from __future__ import annotations

import os

import pytest

from services.errors import InvalidInput, NotFound, PayloadTooLarge
from services.hosting import procfs
from services.hosting.child_env import Injected, build_child_environment, reserved_reason
from services.hosting.env_vars import parse_update
from services.hosting.restart_policy import RestartPolicy
from services.hosting.state import TRANSITIONS, Status, can_move, check_move
from services.hosting.validation import (
    check_id,
    check_upload_file_name,
    clean_name,
    decode_script,
    parse_settings,
    slug_of,
)

LIMIT = 1024 * 1024


def test_names_are_trimmed_and_bounded() -> None:
    assert clean_name("  EMA <b>cross</b>  ") == "EMA <b>cross</b>"
    assert clean_name("x" * 100) == "x" * 100
    for bad in ["", "   ", None, 42, "x" * 101, "two\nlines", "tab\there"]:
        with pytest.raises(InvalidInput) as caught:
            clean_name(bad)
        assert "name" in caught.value.fields


def test_ids_are_server_made_slugs_and_nothing_else_names_a_strategy() -> None:
    assert slug_of("Nifty 50 — Mean Reversion!") == "nifty-50-mean-reversion"
    assert check_id("ema-0a1b2c3d4e") == "ema-0a1b2c3d4e"
    for bad in ["../etc", "a/b", "", "A", "x" * 65, "-lead", "a.py"]:
        with pytest.raises(NotFound):
            check_id(bad)


def test_only_python_files_are_accepted() -> None:
    assert check_upload_file_name("C:\\Users\\me\\ema.py") == "ema.py"
    assert check_upload_file_name("STRAT.PY") == "STRAT.PY"
    for bad in [None, "", "ema.txt", ".py", "ema.py.exe", "ema"]:
        with pytest.raises(InvalidInput):
            check_upload_file_name(bad)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("report\u202eyp.txt.py", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("ema\u200b.py", "U+200B ZERO WIDTH SPACE"),
        ("ema\u2066x.py", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("ema\u2028.py", "U+2028 LINE SEPARATOR"),
    ],
)
def test_invisible_format_characters_are_refused_in_file_names_and_names(text: str, shown: str) -> None:
    # U+202E makes "report<RLO>yp.txt.py" display as "reportyp.py.txt": a name that lies.
    with pytest.raises(InvalidInput) as caught:
        check_upload_file_name(text)
    assert shown in caught.value.message and shown in caught.value.fields["file"]
    with pytest.raises(InvalidInput) as caught:
        clean_name(text)
    assert shown in caught.value.fields["name"]


def test_scripts_must_be_small_utf8_text_with_valid_syntax() -> None:
    assert decode_script("print('₹ 100')\n".encode(), LIMIT) == "print('₹ 100')\n"
    assert decode_script(b"\xef\xbb\xbfprint(1)\n", LIMIT) == "print(1)\n"  # a BOM is fine
    with pytest.raises(PayloadTooLarge):
        decode_script(b"#" * (LIMIT + 1), LIMIT)
    with pytest.raises(InvalidInput, match="NUL"):
        decode_script(b"print(1)\x00\n", LIMIT)
    with pytest.raises(InvalidInput, match="not UTF-8"):
        decode_script("print('é')\n".encode("latin-1"), LIMIT)
    with pytest.raises(InvalidInput, match="empty"):
        decode_script(b"  \n", LIMIT)


def test_a_syntax_error_reports_its_line_and_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_script(b"import os\n\ndef broken(:\n    pass\n", LIMIT)
    assert caught.value.details["line"] == 3
    assert caught.value.details["column"] == 12
    assert "line 3" in caught.value.message


def test_settings_updates_are_validated_as_a_whole() -> None:
    change = parse_settings({"exchange": "mcx", "stop_signal": "sigint", "memory_limit_mb": 512})
    assert (change.exchange, change.stop_signal, change.memory_limit_mb) == ("MCX", "SIGINT", 512)
    assert change.needs_stopped
    assert parse_settings({"memory_limit_mb": None}).clear_memory_limit
    assert not parse_settings({"restart_on_crash": True}).needs_stopped
    with pytest.raises(InvalidInput) as caught:
        parse_settings(
            {"exchange": "NYSE", "stop_signal": "SIGHUP", "memory_limit_mb": 1, "restart_on_crash": "yes"}
        )
    assert set(caught.value.fields) == {"exchange", "stop_signal", "memory_limit_mb", "restart_on_crash"}
    with pytest.raises(InvalidInput, match="Unknown setting"):
        parse_settings({"colour": "red"})


def test_variable_names_values_and_reserved_names() -> None:
    update = parse_update({"regular": {"SYMBOL": "SBIN", "_x1": ""}, "secure": {"PIN": "1", "OLD": None}})
    assert update.regular == {"SYMBOL": "SBIN", "_x1": ""}
    assert update.secure_set == {"PIN": "1"}
    assert update.secure_delete == {"OLD"}
    bad = {
        "regular": {
            "1ABC": "x",
            "A-B": "x",
            "X" * 65: "x",
            "PATH": "/tmp",
            "PYTHONPATH": "/x",
            "LD_PRELOAD": "evil.so",
            "DYLD_INSERT_LIBRARIES": "x",
            "OPENALGO_API_KEY": "x",
            "BIG": "v" * 4097,
            "NUMBER": 5,
        },
        "secure": {"HOME": "x", "STRATEGY_ID": "x"},
    }
    with pytest.raises(InvalidInput) as caught:
        parse_update(bad)
    assert len(caught.value.fields) == 12
    with pytest.raises(InvalidInput) as clash:
        parse_update({"regular": {"A": "1"}, "secure": {"A": "2"}})
    assert clash.value.fields == {"A": "A name can be regular or secure, not both."}
    with pytest.raises(InvalidInput):
        parse_update({"regular": ["A"]})
    assert parse_update({"regular": {"OK": "v" * 4096}}).regular["OK"] == "v" * 4096
    assert reserved_reason("TZ") is None


def test_the_child_environment_is_built_not_inherited() -> None:
    host_env = {
        "PATH": "/usr/bin",
        "HOME": "/home/t",
        "LANG": "en_IN.UTF-8",
        "SECRET_KEY": "host-secret",
        "DATABASE_URL": "postgresql://u:pw@db/x",
        "UPSTREAM_API_KEY": "upstream",
        "PYTHONPATH": "/host/src",
    }
    injected = Injected("ema-1", "EMA", "http://127.0.0.1:5123", "k" * 64, "NSE", "tok")
    env = build_child_environment(host_env, {"SYMBOL": "SBIN", "LANG": "C.UTF-8"}, injected)
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/home/t"
    assert env["LANG"] == "C.UTF-8"  # the trader's variable wins over the inherited one
    assert env["SYMBOL"] == "SBIN"
    assert env["OPENALGO_HOST"] == "http://127.0.0.1:5123"
    assert env["OPENALGO_API_KEY"] == "k" * 64
    assert env["OPENALGO_RUN_TOKEN"] == "tok"
    for secret in ("SECRET_KEY", "DATABASE_URL", "UPSTREAM_API_KEY", "PYTHONPATH"):
        assert secret not in env


def test_the_status_machine_allows_only_legal_moves() -> None:
    assert can_move(Status.STOPPED, Status.STARTING)
    assert can_move(Status.RUNNING, Status.STOPPING)
    assert not can_move(Status.STOPPED, Status.RUNNING)
    assert not can_move(Status.STOPPING, Status.RUNNING)
    assert can_move(Status.STARTING, Status.STOPPED)  # stopped before the spawn
    assert not can_move(Status.STARTING, Status.STOPPING)
    with pytest.raises(Exception, match="cannot become"):
        check_move(Status.STOPPED, Status.STOPPING)
    assert set(TRANSITIONS) == set(Status)


def test_restart_backoff_doubles_to_the_cap_and_forgives_healthy_runs() -> None:
    policy = RestartPolicy()
    assert [policy.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.failures_after_crash(2, 10.0) == 3
    assert policy.failures_after_crash(4, 300.0) == 0
    assert not policy.gives_up(4)
    assert policy.gives_up(5)


def test_proc_figures_of_this_process_and_of_a_missing_one() -> None:
    if not procfs.available():
        pytest.skip("/proc figures exist on Linux only")
    figures = procfs.cpu_and_rss(os.getpid())
    assert figures is not None
    cpu_seconds, rss = figures
    assert cpu_seconds > 0
    assert rss > 10 * 1024 * 1024
    assert procfs.cpu_and_rss(2**22 + 12345) is None
