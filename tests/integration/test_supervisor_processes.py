"""The supervisor with real strategy processes, driven through the /python JSON API."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import (
    api_key_of,
    build_app,
    csrf_token,
    host_of,
    post_json,
)
from tests.support.strategies import (
    entry,
    log_lines,
    start,
    stop,
    strategy_processes,
    upload_ok,
    wait_log,
    wait_status,
    wait_until,
    zombie_children,
)

LOOPING = """
import time
print("tick", flush=True)
while True:
    time.sleep(0.05)
"""


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(
        data_dir,
        start_background=True,
        strategy_stop_grace_s=1.0,
        strategy_tick_s=0.2,
        strategy_sample_s=0.3,
        strategy_restart_initial_s=0.1,
    )
    yield application
    host_of(application).shutdown()


def test_a_strategy_that_exits_by_itself_can_start_again(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print('run done')\n")
    assert start(admin_client, strategy_id).status_code == 200
    ended = wait_status(admin_client, strategy_id, "stopped")
    assert ended["exit_code"] == 0
    assert ended["stop_reason"] == "ended by itself"
    assert start(admin_client, strategy_id).status_code == 200
    wait_until(
        lambda: len(admin_client.get(f"/python/logs/{strategy_id}/runs").get_json()["data"]["runs"]) == 2
    )
    wait_status(admin_client, strategy_id, "stopped")
    assert any(line.endswith("] run done") for line in log_lines(admin_client, strategy_id))


def test_a_crash_with_exit_code_3_is_an_error_with_its_last_lines(admin_client: FlaskClient) -> None:
    source = "import sys\nprint('about to fail', file=sys.stderr)\nsys.exit(3)\n"
    strategy_id = upload_ok(admin_client, source)
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error")
    assert failed["exit_code"] == 3
    assert failed["error"] == "Crashed: exit code 3"
    assert any("[stderr] about to fail" in line for line in failed["last_lines"])
    assert "exit code 3" in log_lines(admin_client, strategy_id)[-1]
    assert post_json(admin_client, f"/python/clear-error/{strategy_id}").status_code == 200
    assert entry(admin_client, strategy_id)["status"] == "stopped"


def test_death_by_sigkill_is_an_error_naming_the_signal(admin_client: FlaskClient) -> None:
    source = "import os, signal\nprint('bye', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n"
    strategy_id = upload_ok(admin_client, source)
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error")
    assert failed["exit_signal"] == "SIGKILL"
    assert failed["error"] == "Crashed: killed by signal SIGKILL"


STUBBORN = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child_code = '''
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen(
    [sys.executable, "-c", "import os, time; print('grandchild', os.getpid(), flush=True); time.sleep(600)"],
    start_new_session=True,
)
print("child", os.getpid(), flush=True)
time.sleep(600)
'''
child = subprocess.Popen([sys.executable, "-c", child_code])
print("main", os.getpid(), flush=True)
while True:
    time.sleep(0.1)
"""


def _reported_pids(lines: list[str]) -> dict[str, int]:
    pids = {}
    for line in lines:
        words = line.split("] ", 1)[-1].split()
        if len(words) == 2 and words[0] in {"main", "child", "grandchild"} and words[1].isdigit():
            pids[words[0]] = int(words[1])
    return pids


def test_stop_leaves_no_descendant_even_one_that_left_the_group(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, STUBBORN)
    start(admin_client, strategy_id)
    pids = wait_until(
        lambda: len(found := _reported_pids(log_lines(admin_client, strategy_id))) == 3 and found,
        what="main, child and grandchild to report their pids",
    )
    assert psutil.Process(pids["grandchild"]).is_running()
    assert os.getpgid(pids["grandchild"]) != os.getpgid(pids["main"])  # it left the process group
    assert len(strategy_processes(strategy_id)) == 3
    response = stop(admin_client, strategy_id)
    assert response.status_code == 200
    assert response.get_json()["data"]["status"] == "stopping"
    stopped = wait_status(admin_client, strategy_id, "stopped")
    assert stopped["exit_signal"] == "SIGKILL"  # SIGTERM was ignored; the grace period ran out
    assert strategy_processes(strategy_id) == []
    for pid in pids.values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert zombie_children() == []
    assert "sending SIGKILL" in "\n".join(log_lines(admin_client, strategy_id))


CLEANUP = """
import atexit, time
atexit.register(lambda: print("atexit ran", flush=True))
try:
    print("trading", flush=True)
    while True:
        time.sleep(0.05)
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
finally:
    print("square-off in finally", flush=True)
"""


def test_sigint_as_stop_signal_lets_finally_and_atexit_run(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, CLEANUP)
    assert (
        post_json(admin_client, f"/python/settings/{strategy_id}", {"stop_signal": "SIGINT"}).status_code
        == 200
    )
    start(admin_client, strategy_id)
    wait_log(admin_client, strategy_id, "] trading")
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")
    text = "\n".join(log_lines(admin_client, strategy_id))
    assert "sending SIGINT" in text
    for expected in ("KeyboardInterrupt", "square-off in finally", "atexit ran"):
        assert f"] {expected}" in text


def test_the_shipped_example_stops_cleanly_on_sigterm(admin_client: FlaskClient) -> None:
    example = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "ema_crossover.py"
    strategy_id = upload_ok(admin_client, example.read_text(encoding="utf-8"), name="EMA example")
    post_json(admin_client, f"/python/env/{strategy_id}", {"regular": {"POLL_SECONDS": "0.2"}})
    start(admin_client, strategy_id)
    wait_log(admin_client, strategy_id, "EMA 9/21 crossover on NSE:RELIANCE")
    stop(admin_client, strategy_id)
    stopped = wait_status(admin_client, strategy_id, "stopped")
    assert stopped["exit_code"] == 0  # the SIGTERM handler turned the stop into a clean exit
    text = "\n".join(log_lines(admin_client, strategy_id))
    assert "stop requested (received SIGTERM)" in text
    assert "strategy process exiting" in text


ENV_DUMP = """
import json, os
names = ["STRATEGY_ID", "STRATEGY_NAME", "OPENALGO_HOST", "OPENALGO_API_KEY", "OPENALGO_STRATEGY_EXCHANGE",
         "SYMBOL", "BROKER_PIN", "SECRET_KEY", "UPSTREAM_API_KEY", "DATABASE_URL", "PYTHONPATH", "PATH"]
with open(os.environ["OUT_FILE"], "w") as out:
    json.dump({name: os.environ.get(name) for name in names}, out)
print("written")
"""


def test_injected_variables_are_visible_and_host_secrets_are_not(
    app: Flask, admin_client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "SECRET_KEY": "host-session-secret",
        "UPSTREAM_API_KEY": "host-upstream-key",
        "DATABASE_URL": "postgresql://host:pw@db/x",
        "PYTHONPATH": "/host/only",
    }.items():
        monkeypatch.setenv(name, value)
    out_file = Path("env.json")  # relative: into its own working folder (the rest is off limits)
    strategy_id = upload_ok(admin_client, ENV_DUMP, name="Env <dump>", exchange="MCX")
    response = post_json(
        admin_client,
        f"/python/env/{strategy_id}",
        {"regular": {"SYMBOL": "CRUDEOIL", "OUT_FILE": str(out_file)}, "secure": {"BROKER_PIN": "pin-4321"}},
    )
    assert response.status_code == 200
    start(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")
    seen = json.loads((host_of(app).settings.work_dir / strategy_id / out_file).read_text())
    assert seen["STRATEGY_ID"] == strategy_id
    assert seen["STRATEGY_NAME"] == "Env <dump>"
    assert seen["OPENALGO_HOST"] == host_of(app).listen_url
    assert seen["OPENALGO_API_KEY"] == api_key_of(app)
    assert seen["OPENALGO_STRATEGY_EXCHANGE"] == "MCX"
    assert seen["SYMBOL"] == "CRUDEOIL"
    assert seen["BROKER_PIN"] == "pin-4321"
    assert seen["PATH"]
    for host_secret in ("SECRET_KEY", "UPSTREAM_API_KEY", "DATABASE_URL", "PYTHONPATH"):
        assert seen[host_secret] is None


def _same_session(app: Flask, logged_in: FlaskClient) -> FlaskClient:
    """Another client (its own cookie jar, so threads do not share one) in the same session."""
    cookie = logged_in.get_cookie("openalgo_host_session")
    assert cookie is not None
    client = app.test_client()
    client.set_cookie("openalgo_host_session", cookie.value)
    return client


def test_parallel_start_and_stop_requests_never_leave_two_processes(
    app: Flask, admin_client: FlaskClient
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    clients = [_same_session(app, admin_client) for _ in range(20)]
    tokens = [csrf_token(client) for client in clients]  # fetched first: no cookie races in threads
    barrier = threading.Barrier(20)
    codes: list[int] = []
    most_seen = [0]

    def hammer(index: int) -> None:
        barrier.wait()
        url = f"/python/{'start' if index % 2 else 'stop'}/{strategy_id}"
        codes.append(clients[index].post(url, json={}, headers={"X-CSRFToken": tokens[index]}).status_code)
        most_seen[0] = max(most_seen[0], len(strategy_processes(strategy_id)))

    threads = [threading.Thread(target=hammer, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(codes) <= {200, 409}
    settled = wait_until(
        lambda: (item := entry(admin_client, strategy_id))["status"] in {"running", "stopped"} and item
    )
    expected = 1 if settled["status"] == "running" else 0
    wait_until(lambda: len(strategy_processes(strategy_id)) == expected, what="processes to match the status")
    assert most_seen[0] <= 1


def test_a_hundred_start_stop_cycles_leak_no_file_or_zombie(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    me = psutil.Process()

    def cycle() -> None:
        assert start(admin_client, strategy_id).status_code == 200
        wait_status(admin_client, strategy_id, "running")
        assert stop(admin_client, strategy_id).status_code == 200
        wait_status(admin_client, strategy_id, "stopped")

    for _ in range(5):  # warm-up: threads, database connections, caches
        cycle()
    before = me.num_fds()
    for _ in range(100):
        cycle()
    assert me.num_fds() <= before + 3
    assert zombie_children() == []
    assert strategy_processes(strategy_id) == []


def test_the_opt_in_restart_gives_up_after_five_failures(admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, "print('crashing')\nraise SystemExit(7)\n")
    post_json(admin_client, f"/python/settings/{strategy_id}", {"restart_on_crash": True})
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error", timeout=60)
    assert "Gave up after 5 failed runs in a row" in failed["error"]
    runs = admin_client.get(f"/python/logs/{strategy_id}/runs").get_json()["data"]["runs"]
    assert len(runs) == 5


def test_the_memory_limit_stops_a_strategy_into_error(admin_client: FlaskClient) -> None:
    # Written bytes, so the pages are really resident.
    source = (
        "import time\nballast = b'x' * (120 * 1024 * 1024)\nprint('allocated', flush=True)\ntime.sleep(600)\n"
    )
    strategy_id = upload_ok(admin_client, source)
    post_json(admin_client, f"/python/settings/{strategy_id}", {"memory_limit_mb": 64})
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error")
    assert failed["error"].startswith("Stopped: memory limit (")
    assert failed["error"].endswith("limit 64 MB)")
    assert strategy_processes(strategy_id) == []


GROWER = """
import time
chunks = []
while len(chunks) < 60:  # 3 GB if nothing stopped it
    chunks.append(b"x" * (50 * 1024 * 1024))
    time.sleep(0.02)
print("never got here", flush=True)
"""


def test_a_fast_grower_is_stopped_near_its_memory_limit_and_the_peak_is_reported(
    admin_client: FlaskClient,
) -> None:
    # Polled every 5 s it reached 1.48 GB against a 200 MB limit; now the tree is measured every
    # 0.5 s and RLIMIT_DATA (the limit plus 512 MB) stops it in the kernel before it gets far.
    strategy_id = upload_ok(admin_client, GROWER, name="Grower")
    post_json(admin_client, f"/python/settings/{strategy_id}", {"memory_limit_mb": 200})
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error", timeout=30)
    assert failed["rss_peak_mb"] is not None and 150 < failed["rss_peak_mb"] < 760, failed
    assert "never got here" not in "\n".join(log_lines(admin_client, strategy_id))
    assert any("peak memory" in line for line in log_lines(admin_client, strategy_id))
    assert strategy_processes(strategy_id) == []


def test_clearing_the_log_of_a_running_strategy_gives_a_clean_file(admin_client: FlaskClient) -> None:
    source = (
        "import itertools, time\nfor n in itertools.count():\n    print('line', n)\n    time.sleep(0.05)\n"
    )
    strategy_id = upload_ok(admin_client, source)
    start(admin_client, strategy_id)
    wait_log(admin_client, strategy_id, "] line 3")
    assert post_json(admin_client, f"/python/logs/{strategy_id}/clear").status_code == 200
    after = wait_log(admin_client, strategy_id, "] line")
    assert not any("=== Run" in line for line in after)  # the header went with the clear
    first_number = int(after[0].rsplit(" ", 1)[1])
    assert first_number >= 3
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")
